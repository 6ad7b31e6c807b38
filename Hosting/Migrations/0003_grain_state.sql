-- Grain state for the Orleans ADO.NET grain storage.
-- A grain's identity is (service, grain type, numeric key halves, string key or key extension).
-- The unique key makes a second row for the same grain impossible; NULLS NOT DISTINCT (PostgreSQL
-- 15) is needed because grains without a string key or extension store NULL there.
-- The provider's hash parameters are not stored: lookups go through the identity key itself.
CREATE TABLE grain_state
(
    service_id    varchar(150) NOT NULL,
    grain_type    varchar(512) NOT NULL,
    grain_id_n0   bigint       NOT NULL,
    grain_id_n1   bigint       NOT NULL,
    key_extension varchar(512) NULL,
    payload       bytea        NULL,
    version       integer      NOT NULL,
    modified_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT grain_state_identity
        UNIQUE NULLS NOT DISTINCT (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension)
);

-- ETag contract: the ETag is the row version. A write or clear names the version it last saw
-- (NULL for a grain that has never been stored) and gets the new version back; any mismatch returns
-- no row, which the provider turns into an InconsistentStateException.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $sql$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND key_extension IS NOT DISTINCT FROM @GrainIdExtensionString;
$sql$),

-- First write inserts version 1 (a concurrent first write loses on the unique key); later writes
-- replace the payload only when the caller's version is current.
('WriteToStorageKey', $sql$
WITH created AS (
    INSERT INTO grain_state
        (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
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
      AND key_extension IS NOT DISTINCT FROM @GrainIdExtensionString
      AND version = @GrainStateVersion
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM created
UNION ALL
SELECT version FROM replaced;
$sql$),

-- Clearing keeps the row (and its version history) with no payload.
('ClearStorageKey', $sql$
UPDATE grain_state
SET payload = NULL, version = version + 1, modified_at = now()
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND key_extension IS NOT DISTINCT FROM @GrainIdExtensionString
  AND version = @GrainStateVersion
RETURNING version AS "NewGrainStateVersion";
$sql$),

-- Used when the provider is configured with DeleteStateOnClear. The provider only needs a value
-- that differs from the ETag it sent, so the version the row would have reached is returned.
('DeleteStorageKey', $sql$
DELETE FROM grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND key_extension IS NOT DISTINCT FROM @GrainIdExtensionString
  AND version = @GrainStateVersion
RETURNING version + 1 AS "NewGrainStateVersion";
$sql$);
