-- The read models (issue 6, point 5): what the journal readers derive from committed events, written in the same
-- transaction as their checkpoint, and what the API lists without activating a grain. Each list pages by keyset, so
-- each has an index in its page order behind its filter; open-only lists use partial indexes that hold only the
-- open rows; each retention delete has an index on the age it deletes by. Enum values are stored as their numbers
-- (the contracts fix them; statuses compare by them). Ids that order lists use the "C" collation: byte order, the
-- same as the in-memory store's ordinal order, and the cheapest to compare.

-- Operational exception queues. A cause is the queue, subject and causing event: a resolved item opens again only
-- for a new cause.
CREATE TABLE exception_item
(
    exception_id text COLLATE "C" PRIMARY KEY,
    queue        smallint    NOT NULL,
    subject      text        NOT NULL,
    reason       text        NOT NULL,
    opened_at    timestamptz NOT NULL,
    owners       integer     NOT NULL,
    cause        text        NULL,
    customer_id  text        NULL,
    resolution   text        NULL,
    resolved_at  timestamptz NULL
);

CREATE INDEX exception_item_list ON exception_item (opened_at, exception_id);
CREATE INDEX exception_item_open ON exception_item (opened_at, exception_id) WHERE resolution IS NULL;
CREATE INDEX exception_item_queue ON exception_item (queue, opened_at, exception_id);
CREATE INDEX exception_item_queue_open ON exception_item (queue, opened_at, exception_id) WHERE resolution IS NULL;
CREATE INDEX exception_item_resolved ON exception_item (resolved_at) WHERE resolution IS NOT NULL;

-- Customer service cases. last_entry numbers the timeline; only the newest entries are kept (ReadModelRules), so a
-- case told about for years stays small.
CREATE TABLE service_case
(
    case_id     text COLLATE "C" PRIMARY KEY,
    customer_id text        NOT NULL,
    shipment_id text        NULL,
    reason      smallint    NOT NULL,
    status      smallint    NOT NULL,
    opened_at   timestamptz NOT NULL,
    resolved_at timestamptz NULL,
    last_entry  integer     NOT NULL
);

CREATE INDEX service_case_list ON service_case (customer_id, opened_at, case_id);
-- status 2 is Resolved.
CREATE INDEX service_case_open ON service_case (customer_id, opened_at, case_id) WHERE status <> 2;
CREATE INDEX service_case_resolved ON service_case (resolved_at) WHERE status = 2;

CREATE TABLE service_case_entry
(
    case_id         text COLLATE "C" NOT NULL REFERENCES service_case ON DELETE CASCADE,
    seq             integer     NOT NULL,
    at              timestamptz NOT NULL,
    text            text        NOT NULL,
    source_event_id text        NULL,
    PRIMARY KEY (case_id, seq)
);

-- The CRM outbox webhooks will deliver from: position is the order of queueing (a deliverer's cursor), the delivery
-- columns are its bookkeeping. A notification is queued once per id.
CREATE TABLE crm_notification
(
    position          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id   text COLLATE "C" NOT NULL UNIQUE,
    customer_id       text        NOT NULL,
    kind              smallint    NOT NULL,
    subject           text        NOT NULL,
    text              text        NOT NULL,
    occurred_at       timestamptz NOT NULL,
    queued_at         timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz NULL,
    delivery_attempts integer     NOT NULL DEFAULT 0,
    last_error        text        NULL
);

CREATE INDEX crm_notification_list ON crm_notification (customer_id, occurred_at, notification_id);
CREATE INDEX crm_notification_age ON crm_notification (occurred_at);

-- Each customer's shipments, newest first. Status and billing status only move up (GREATEST).
CREATE TABLE customer_shipment
(
    shipment_id    text COLLATE "C" PRIMARY KEY,
    customer_id    text        NOT NULL,
    carrier_id     text        NOT NULL,
    booked_at      timestamptz NOT NULL,
    status         smallint    NOT NULL,
    billing_status smallint    NOT NULL,
    invoice_number text        NULL,
    invoice_status smallint    NULL,
    updated_at     timestamptz NOT NULL
);

CREATE INDEX customer_shipment_list ON customer_shipment (customer_id, booked_at DESC, shipment_id DESC);

-- Carrier events the grid could not apply, kept whole (Orleans serializer, like the journal's payloads) so they can
-- be replayed. status 1 is Replayed.
CREATE TABLE carrier_dead_letter
(
    carrier_id       text        NOT NULL,
    event_id         text COLLATE "C" NOT NULL,
    shipment_id      text        NOT NULL,
    event            bytea       NOT NULL,
    reason           text        NOT NULL,
    dead_lettered_at timestamptz NOT NULL,
    status           smallint    NOT NULL,
    replay_attempts  integer     NOT NULL DEFAULT 0,
    replayed_at      timestamptz NULL,
    PRIMARY KEY (carrier_id, event_id)
);

CREATE INDEX carrier_dead_letter_list ON carrier_dead_letter (carrier_id, dead_lettered_at, event_id);
CREATE INDEX carrier_dead_letter_replayed ON carrier_dead_letter (replayed_at) WHERE status = 1;

-- KPIs as counters and histograms per subject, metric and UTC day, not per-shipment facts: a range of days is a sum
-- of buckets. histogram holds one count per bucket of KpiHistogram's fixed bounds. scope 0 is a carrier, 1 a customer.
-- The key leads with the subject and day, the order of every read.
CREATE TABLE kpi_bucket
(
    scope         smallint NOT NULL,
    subject       text     NOT NULL,
    day           date     NOT NULL,
    metric        text     NOT NULL,
    count         bigint   NOT NULL,
    total_seconds numeric  NOT NULL,
    min_seconds   numeric  NULL,
    max_seconds   numeric  NULL,
    histogram     bigint[] NOT NULL,
    PRIMARY KEY (scope, subject, day, metric)
);

CREATE INDEX kpi_bucket_age ON kpi_bucket (day);
