-- Every provider query that reads or writes one grain, one reminder range or one queue's messages becomes an
-- index lookup. Upgrades the rows of 0003, 0004 and 0006 in place.

-- Grains with a string key store it as the key extension with both numeric halves 0, so all grains of one
-- type share one index prefix, and "key_extension IS NOT DISTINCT FROM @x" is a filter over that whole
-- prefix, which the planner rightly answers with a sequential scan. With '' standing for "no extension" the
-- column is NOT NULL and the lookup is a plain equality on the full unique key. A grain type has one kind
-- of key, so '' and a missing extension never name two different grains of one type.
UPDATE grain_state SET key_extension = '' WHERE key_extension IS NULL;
ALTER TABLE grain_state
    ALTER COLUMN key_extension SET DEFAULT '',
    ALTER COLUMN key_extension SET NOT NULL,
    DROP CONSTRAINT grain_state_identity,
    ADD CONSTRAINT grain_state_identity
        UNIQUE (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension);

UPDATE OrleansQuery SET QueryText = $sql$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND key_extension = coalesce(@GrainIdExtensionString, '');
$sql$
WHERE QueryKey = 'ReadFromStorageKey';

-- The ETag contract of 0003 is unchanged: the version the caller last saw (NULL before the first write)
-- must be current, and the new version comes back.
UPDATE OrleansQuery SET QueryText = $sql$
WITH created AS (
    INSERT INTO grain_state
        (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''),
           @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT grain_state_identity DO NOTHING
    RETURNING version
), replaced AS (
    UPDATE grain_state
    SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId
      AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND key_extension = coalesce(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM created
UNION ALL
SELECT version FROM replaced;
$sql$
WHERE QueryKey = 'WriteToStorageKey';

UPDATE OrleansQuery SET QueryText = $sql$
UPDATE grain_state
SET payload = NULL, version = version + 1, modified_at = now()
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND key_extension = coalesce(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version AS "NewGrainStateVersion";
$sql$
WHERE QueryKey = 'ClearStorageKey';

UPDATE OrleansQuery SET QueryText = $sql$
DELETE FROM grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND key_extension = coalesce(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version + 1 AS "NewGrainStateVersion";
$sql$
WHERE QueryKey = 'DeleteStorageKey';

-- A ring range that wraps around is two ranges, each bounded on both sides: as one OR of two open
-- inequalities a generic plan estimates two thirds of the table and scans it.
UPDATE OrleansQuery SET QueryText = $sql$
SELECT * FROM reminder_entry
WHERE service_id = @ServiceId
  AND grain_hash > @BeginHash AND grain_hash <= 2147483647
UNION ALL
SELECT * FROM reminder_entry
WHERE service_id = @ServiceId
  AND grain_hash >= -2147483648 AND grain_hash <= @EndHash;
$sql$
WHERE QueryKey = 'ReadRangeRows2Key';

-- The chosen messages are handed over as an array of ids, so the update or delete finds each one through
-- the primary key; joined with the chosen set instead, the planner expects a large batch and scans the
-- whole table to hash-join it.
CREATE OR REPLACE FUNCTION stream_evict_messages(
    p_service_id varchar, p_provider_id varchar, p_queue_id varchar,
    p_max_count integer, p_max_attempts integer, p_removal_timeout integer)
RETURNS integer
LANGUAGE sql
AS $fn$
WITH moved AS (
    DELETE FROM stream_message AS m
    WHERE m.service_id = p_service_id AND m.provider_id = p_provider_id AND m.queue_id = p_queue_id
      AND m.message_id = ANY (ARRAY(
          SELECT message_id
          FROM stream_message
          WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id
            AND visible_on <= now()
            AND (dequeued >= p_max_attempts OR expires_on <= now())
          ORDER BY message_id
          LIMIT p_max_count
          FOR UPDATE SKIP LOCKED))
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

CREATE OR REPLACE FUNCTION stream_dequeue(
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
    UPDATE stream_message AS m
    SET dequeued = m.dequeued + 1,
        visible_on = now() + make_interval(secs => p_visibility_timeout),
        modified_on = now()
    WHERE m.service_id = p_service_id AND m.provider_id = p_provider_id AND m.queue_id = p_queue_id
      AND m.message_id = ANY (ARRAY(
          SELECT message_id
          FROM stream_message
          WHERE service_id = p_service_id AND provider_id = p_provider_id AND queue_id = p_queue_id
            AND dequeued < p_max_attempts
            AND visible_on <= now()
            AND expires_on > now()
          ORDER BY message_id
          LIMIT p_max_count
          FOR UPDATE SKIP LOCKED))
    RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id, m.dequeued,
              m.visible_on, m.expires_on, m.created_on, m.modified_on, m.payload;
END;
$fn$;
