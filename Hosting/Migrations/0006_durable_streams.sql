-- Durable streams for Orleans' ADO.NET stream provider (PostgreSQL mode): a queue table, a dead-letter table,
-- the per-queue eviction schedule, and the query text for every key the provider reads from OrleansQuery.
-- A queue is (service, provider, queue): every silo of one service shares it, so an event acknowledged to its
-- producer is a committed row that any later silo can deliver. Everything resolves through search_path.

CREATE TABLE stream_message
(
    service_id     varchar(150) NOT NULL,
    provider_id    varchar(150) NOT NULL,
    queue_id       varchar(150) NOT NULL,
    message_id     bigint       GENERATED ALWAYS AS IDENTITY,
    -- Delivery attempts so far; it is also the receipt a confirmation must present, so a receiver that lost
    -- the message to a later attempt cannot remove it.
    dequeued       integer      NOT NULL DEFAULT 0,
    -- The attempt whose delivery failed and was retried: its late confirmation must not remove the message.
    failed_attempt integer,
    visible_on     timestamptz  NOT NULL DEFAULT now(),
    expires_on     timestamptz  NOT NULL,
    created_on     timestamptz  NOT NULL DEFAULT now(),
    modified_on    timestamptz  NOT NULL DEFAULT now(),
    payload        bytea        NOT NULL,
    CONSTRAINT stream_message_pk PRIMARY KEY (service_id, provider_id, queue_id, message_id)
);

-- Messages that exhausted their attempts or expired, kept for inspection until remove_on.
CREATE TABLE stream_dead_letter
(
    service_id  varchar(150) NOT NULL,
    provider_id varchar(150) NOT NULL,
    queue_id    varchar(150) NOT NULL,
    message_id  bigint       NOT NULL,
    dequeued    integer      NOT NULL,
    visible_on  timestamptz  NOT NULL,
    expires_on  timestamptz  NOT NULL,
    created_on  timestamptz  NOT NULL,
    modified_on timestamptz  NOT NULL,
    dead_on     timestamptz  NOT NULL DEFAULT now(),
    remove_on   timestamptz  NOT NULL,
    payload     bytea        NOT NULL,
    CONSTRAINT stream_dead_letter_pk PRIMARY KEY (service_id, provider_id, queue_id, message_id)
);

CREATE INDEX stream_dead_letter_removal_idx ON stream_dead_letter (service_id, provider_id, queue_id, remove_on);

-- When each queue is next due for housekeeping; the receiver that moves evict_on forward does the work, so
-- the interval holds cluster-wide however many silos poll.
CREATE TABLE stream_eviction
(
    service_id  varchar(150) NOT NULL,
    provider_id varchar(150) NOT NULL,
    queue_id    varchar(150) NOT NULL,
    evict_on    timestamptz  NOT NULL,
    CONSTRAINT stream_eviction_pk PRIMARY KEY (service_id, provider_id, queue_id)
);

-- Moves messages that can no longer be delivered (out of attempts, or expired) to dead letters, once their
-- current attempt has had its full visibility timeout.
CREATE FUNCTION stream_evict_messages(
    p_service_id varchar, p_provider_id varchar, p_queue_id varchar,
    p_max_count integer, p_max_attempts integer, p_removal_timeout integer)
RETURNS integer
LANGUAGE sql
AS $fn$
WITH doomed AS (
    SELECT message_id
    FROM stream_message
    WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id
      AND visible_on <= now()
      AND (dequeued >= p_max_attempts OR expires_on <= now())
    ORDER BY message_id
    LIMIT p_max_count
    FOR UPDATE SKIP LOCKED
),
moved AS (
    DELETE FROM stream_message AS m
    USING doomed
    WHERE m.service_id = p_service_id AND m.provider_id = p_provider_id AND m.queue_id = p_queue_id
      AND m.message_id = doomed.message_id
    RETURNING m.*
),
buried AS (
    INSERT INTO stream_dead_letter
        (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on, modified_on,
         remove_on, payload)
    SELECT service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on, modified_on,
           now() + make_interval(secs => p_removal_timeout), payload
    FROM moved
    RETURNING 1
)
SELECT count(*)::integer FROM buried;
$fn$;

-- Forgets dead letters whose retention has passed.
CREATE FUNCTION stream_evict_dead_letters(
    p_service_id varchar, p_provider_id varchar, p_queue_id varchar, p_max_count integer)
RETURNS integer
LANGUAGE sql
AS $fn$
WITH expired AS (
    SELECT message_id
    FROM stream_dead_letter
    WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id
      AND remove_on <= now()
    ORDER BY remove_on
    LIMIT p_max_count
    FOR UPDATE SKIP LOCKED
),
removed AS (
    DELETE FROM stream_dead_letter AS d
    USING expired
    WHERE d.service_id = p_service_id AND d.provider_id = p_provider_id AND d.queue_id = p_queue_id
      AND d.message_id = expired.message_id
    RETURNING 1
)
SELECT count(*)::integer FROM removed;
$fn$;

-- One poll of a queue: housekeeping when due, then the next visible messages, each handed out for one more
-- attempt and hidden for the visibility timeout. SKIP LOCKED keeps a second poller (a queue changing owner
-- during rebalancing) from waiting on rows the first one is taking.
CREATE FUNCTION stream_dequeue(
    p_service_id varchar, p_provider_id varchar, p_queue_id varchar,
    p_max_count integer, p_max_attempts integer, p_visibility_timeout integer,
    p_removal_timeout integer, p_eviction_interval integer, p_eviction_batch_size integer)
RETURNS TABLE (
    "ServiceId" varchar, "ProviderId" varchar, "QueueId" varchar, "MessageId" bigint, "Dequeued" integer,
    "VisibleOn" timestamptz, "ExpiresOn" timestamptz, "CreatedOn" timestamptz, "ModifiedOn" timestamptz,
    "Payload" bytea)
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM stream_eviction
        WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id) THEN
        INSERT INTO stream_eviction (service_id, provider_id, queue_id, evict_on)
        VALUES (p_service_id, p_provider_id, p_queue_id, now())
        ON CONFLICT ON CONSTRAINT stream_eviction_pk DO NOTHING;
    END IF;

    UPDATE stream_eviction
    SET evict_on = now() + make_interval(secs => p_eviction_interval)
    WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id
      AND evict_on <= now();
    IF FOUND THEN
        PERFORM stream_evict_messages(
            p_service_id, p_provider_id, p_queue_id, p_eviction_batch_size, p_max_attempts, p_removal_timeout);
        PERFORM stream_evict_dead_letters(p_service_id, p_provider_id, p_queue_id, p_eviction_batch_size);
    END IF;

    RETURN QUERY
    WITH next_batch AS (
        SELECT message_id
        FROM stream_message
        WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id
          AND dequeued < p_max_attempts
          AND visible_on <= now()
          AND expires_on > now()
        ORDER BY message_id
        LIMIT p_max_count
        FOR UPDATE SKIP LOCKED
    )
    UPDATE stream_message AS m
    SET dequeued = m.dequeued + 1,
        visible_on = now() + make_interval(secs => p_visibility_timeout),
        modified_on = now()
    FROM next_batch
    WHERE m.service_id = p_service_id AND m.provider_id = p_provider_id AND m.queue_id = p_queue_id
      AND m.message_id = next_batch.message_id
    RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id, m.dequeued,
              m.visible_on, m.expires_on, m.created_on, m.modified_on, m.payload;
END;
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('QueueStreamMessageKey', $sql$
INSERT INTO stream_message (service_id, provider_id, queue_id, expires_on, payload)
VALUES (@ServiceId, @ProviderId, @QueueId, now() + make_interval(secs => @ExpiryTimeout), @Payload)
RETURNING service_id AS "ServiceId", provider_id AS "ProviderId", queue_id AS "QueueId", message_id AS "MessageId";
$sql$),

('GetStreamMessagesKey', $sql$
SELECT * FROM stream_dequeue(@ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts, @VisibilityTimeout,
                             @RemovalTimeout, @EvictionInterval, @EvictionBatchSize);
$sql$),

-- Items is "messageId:receipt|...". A positive receipt confirms delivery and deletes the message; the
-- provider releases the messages a stopping receiver still holds with negated receipts, which makes them
-- visible again at once. Either way only the holder of the current attempt's receipt has any effect.
('ConfirmStreamMessagesKey', $sql$
WITH receipt AS (
    SELECT split_part(item, ':', 1)::bigint AS message_id, split_part(item, ':', 2)::integer AS dequeued
    FROM unnest(string_to_array(@Items, '|')) AS item
),
confirmed AS (
    DELETE FROM stream_message AS m
    USING receipt
    WHERE m.service_id = @ServiceId AND m.provider_id = @ProviderId AND m.queue_id = @QueueId
      AND m.message_id = receipt.message_id
      AND receipt.dequeued > 0 AND m.dequeued = receipt.dequeued
      AND m.failed_attempt IS DISTINCT FROM receipt.dequeued
    RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id
),
released AS (
    UPDATE stream_message AS m
    SET visible_on = now(), modified_on = now()
    FROM receipt
    WHERE m.service_id = @ServiceId AND m.provider_id = @ProviderId AND m.queue_id = @QueueId
      AND m.message_id = receipt.message_id
      AND receipt.dequeued < 0 AND m.dequeued = -receipt.dequeued
    RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id
)
SELECT service_id AS "ServiceId", provider_id AS "ProviderId", queue_id AS "QueueId", message_id AS "MessageId"
FROM confirmed
UNION ALL
SELECT service_id, provider_id, queue_id, message_id
FROM released;
$sql$),

-- A consumer failed on the message: retry it at once while attempts remain (marking the failed attempt so
-- the cache's later confirmation of it does not delete the message), otherwise move it to dead letters.
('FailStreamMessageKey', $sql$
WITH retried AS (
    UPDATE stream_message
    SET visible_on = now(), modified_on = now(), failed_attempt = dequeued
    WHERE service_id = @ServiceId AND provider_id = @ProviderId AND queue_id = @QueueId
      AND message_id = @MessageId AND dequeued < @MaxAttempts
),
moved AS (
    DELETE FROM stream_message
    WHERE service_id = @ServiceId AND provider_id = @ProviderId AND queue_id = @QueueId
      AND message_id = @MessageId AND dequeued >= @MaxAttempts
    RETURNING *
)
INSERT INTO stream_dead_letter
    (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on, modified_on,
     remove_on, payload)
SELECT service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on, modified_on,
       now() + make_interval(secs => @RemovalTimeout), payload
FROM moved;
$sql$),

('EvictStreamMessagesKey', $sql$
SELECT stream_evict_messages(@ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts, @RemovalTimeout);
$sql$),

('EvictStreamDeadLettersKey', $sql$
SELECT stream_evict_dead_letters(@ServiceId, @ProviderId, @QueueId, @MaxCount);
$sql$);
