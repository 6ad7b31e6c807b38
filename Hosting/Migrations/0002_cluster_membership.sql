-- Cluster membership for Orleans ADO.NET clustering.
-- membership_version holds the table version that guards every membership change (optimistic
-- concurrency): a change succeeds only when the caller's version is still current, and bumps it.

CREATE TABLE membership_version
(
    deployment_id varchar(150) NOT NULL,
    version       integer      NOT NULL DEFAULT 0,
    changed_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT membership_version_pk PRIMARY KEY (deployment_id)
);

-- Timestamps are timestamptz because the provider binds DateTime values (UTC) as DbType.DateTime,
-- which Npgsql sends as timestamptz; microsecond precision lets captured values compare exactly.
CREATE TABLE membership_silo
(
    deployment_id   varchar(150) NOT NULL,
    address         varchar(45)  NOT NULL,
    port            integer      NOT NULL,
    generation      integer      NOT NULL,
    silo_name       varchar(150) NOT NULL,
    host_name       varchar(150) NOT NULL,
    status          integer      NOT NULL,
    proxy_port      integer      NOT NULL DEFAULT 0,
    suspect_times   text         NULL,
    start_time      timestamptz  NOT NULL,
    i_am_alive_time timestamptz  NOT NULL,
    CONSTRAINT membership_silo_pk PRIMARY KEY (deployment_id, address, port, generation),
    -- Removing a deployment's version row removes its silos with it.
    CONSTRAINT membership_silo_deployment_fk FOREIGN KEY (deployment_id)
        REFERENCES membership_version (deployment_id) ON DELETE CASCADE
);

-- The provider reads silo rows by column name; both membership reads join this view.
CREATE VIEW membership_entry AS
SELECT deployment_id,
       address AS "Address", port AS "Port", generation AS "Generation",
       silo_name AS "SiloName", host_name AS "HostName", status AS "Status",
       proxy_port AS "ProxyPort", suspect_times AS "SuspectTimes",
       start_time AS "StartTime", i_am_alive_time AS "IAmAliveTime"
FROM membership_silo;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING deployment_id
)
SELECT EXISTS (SELECT 1 FROM created);
$sql$),

-- A silo joins only if the table version the caller read is still current and the silo is new;
-- the version bump and the insert commit together or not at all (one statement).
('InsertMembershipKey', $sql$
WITH claimed AS (
    UPDATE membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND NOT EXISTS (
          SELECT 1 FROM membership_silo s
          WHERE s.deployment_id = @DeploymentId
            AND s.address = @Address AND s.port = @Port AND s.generation = @Generation)
    RETURNING deployment_id
), joined AS (
    INSERT INTO membership_silo
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
         start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
           coalesce(@ProxyPort, 0), @StartTime, @IAmAliveTime
    FROM claimed
    ON CONFLICT ON CONSTRAINT membership_silo_pk DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM joined);
$sql$),

('UpdateMembershipKey', $sql$
WITH claimed AS (
    UPDATE membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND EXISTS (
          SELECT 1 FROM membership_silo s
          WHERE s.deployment_id = @DeploymentId
            AND s.address = @Address AND s.port = @Port AND s.generation = @Generation)
    RETURNING deployment_id
), changed AS (
    UPDATE membership_silo s
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM claimed c
    WHERE s.deployment_id = c.deployment_id
      AND s.address = @Address AND s.port = @Port AND s.generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM changed);
$sql$),

-- Heartbeats do not change membership, so they do not touch the table version.
('UpdateIAmAlivetimeKey', $sql$
UPDATE membership_silo
SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId
  AND address = @Address AND port = @Port AND generation = @Generation;
$sql$),

-- Both reads start from the version row so that the version comes back even with no silo rows.
('MembershipReadRowKey', $sql$
SELECT v.version AS "Version", e.*
FROM membership_version v
LEFT JOIN membership_entry e
       ON e.deployment_id = v.deployment_id
      AND e."Address" = @Address AND e."Port" = @Port AND e."Generation" = @Generation
WHERE v.deployment_id = @DeploymentId;
$sql$),

('MembershipReadAllKey', $sql$
SELECT v.version AS "Version", e.*
FROM membership_version v
LEFT JOIN membership_entry e ON e.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId;
$sql$),

('GatewaysQueryKey', $sql$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM membership_silo
WHERE deployment_id = @DeploymentId
  AND status = @Status
  AND proxy_port > 0;
$sql$),

('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM membership_version
WHERE deployment_id = @DeploymentId;
$sql$),

-- Bulk cleanup: stale rows of silos that are not active (status 3 is Active).
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM membership_silo
WHERE deployment_id = @DeploymentId
  AND i_am_alive_time < @IAmAliveTime
  AND status <> 3;
$sql$),

-- Per-row cleanup, preferred by the provider when present: it removes a dead silo (status 6) only
-- while the row still holds exactly the values the provider judged stale, so a row that changed
-- after that judgement survives.
('CleanupDefunctSiloEntryKey', $sql$
DELETE FROM membership_silo
WHERE deployment_id = @DeploymentId
  AND address = @Address AND port = @Port AND generation = @Generation
  AND status = 6
  AND start_time = @StartTime
  AND i_am_alive_time = @IAmAliveTime
  AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '');
$sql$);
