-- CRM webhook subscriptions. The signing secrets are stored encrypted with the Data Protection key ring below, never
-- in the clear; after a rotation the previous secret keeps signing until previous_secret_expires_at.
CREATE TABLE webhook_subscription
(
    subscription_id            text COLLATE "C" PRIMARY KEY,
    url                        text        NOT NULL CHECK (length(url) <= 2000),
    event_types                smallint[]  NOT NULL CHECK (cardinality(event_types) > 0),
    customer_id                text        NULL,
    description                text        NULL CHECK (length(description) <= 500),
    enabled                    boolean     NOT NULL,
    consecutive_failures       integer     NOT NULL DEFAULT 0,
    disabled_reason            text        NULL,
    created_at                 timestamptz NOT NULL,
    secret_rotated_at          timestamptz NULL,
    previous_secret_expires_at timestamptz NULL,
    secret                     text        NOT NULL,
    previous_secret            text        NULL
);

CREATE INDEX webhook_subscription_newest ON webhook_subscription (created_at DESC, subscription_id DESC);

-- The ASP.NET Core Data Protection key ring every process shares (webhook secrets, session cookies, antiforgery).
-- A handful of rows, read whole by design.
CREATE TABLE data_protection_key
(
    friendly_name text        PRIMARY KEY,
    xml           text        NOT NULL,
    stored_at     timestamptz NOT NULL DEFAULT now()
);

-- The webhook outbox. delivered_at on crm_notification (migration 0011) marks a notification handed out to the
-- subscriptions; this index finds the ones not handed out yet, in queueing order.
CREATE INDEX crm_notification_undelivered ON crm_notification (position) WHERE delivered_at IS NULL;

-- One delivery per subscription and notification, retried on its own schedule: status 0 pending, 1 delivered,
-- 2 given up. A claim moves next_attempt_at to the end of its lease, so a crashed sender's delivery comes due again.
CREATE TABLE webhook_delivery
(
    subscription_id text COLLATE "C" NOT NULL REFERENCES webhook_subscription ON DELETE CASCADE,
    notification_id text COLLATE "C" NOT NULL,
    status          smallint    NOT NULL DEFAULT 0,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    settled_at      timestamptz NULL,
    PRIMARY KEY (subscription_id, notification_id)
);

CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 0;

-- The delivery log: every attempt, newest first per subscription.
CREATE TABLE webhook_delivery_attempt
(
    attempt_id      text COLLATE "C" PRIMARY KEY,
    subscription_id text COLLATE "C" NOT NULL REFERENCES webhook_subscription ON DELETE CASCADE,
    notification_id text        NOT NULL,
    attempt         integer     NOT NULL,
    attempted_at    timestamptz NOT NULL,
    status_code     integer     NULL,
    error           text        NULL,
    succeeded       boolean     NOT NULL,
    next_attempt_at timestamptz NULL
);

CREATE INDEX webhook_delivery_attempt_newest ON webhook_delivery_attempt (subscription_id, attempted_at DESC, attempt_id DESC);
