-- Every provider query that reads or writes one grain or one reminder range becomes an index lookup.
-- Upgrades the rows of 0003 and 0004 in place. (The stream queue's scans went with the stream provider, 0009.)

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
