-- Reminders for the Orleans ADO.NET reminder table.
-- grain_hash is the grain's uniform hash stored as a signed integer; silos read the reminders of
-- their ring range through reminder_ring_idx.
CREATE TABLE reminder
(
    service_id    varchar(150) NOT NULL,
    grain_id      varchar(512) NOT NULL,
    reminder_name varchar(150) NOT NULL,
    start_time    timestamptz  NOT NULL,
    period_ms     bigint       NOT NULL,
    grain_hash    integer      NOT NULL,
    version       integer      NOT NULL,
    CONSTRAINT reminder_pk PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX reminder_ring_idx ON reminder (service_id, grain_hash);

-- The provider reads reminders by column name; this view gives every read query the same shape.
CREATE VIEW reminder_entry AS
SELECT service_id, grain_hash,
       grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM reminder;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadReminderRowsKey', $sql$
SELECT * FROM reminder_entry
WHERE service_id = @ServiceId AND "GrainId" = @GrainId;
$sql$),

('ReadReminderRowKey', $sql$
SELECT * FROM reminder_entry
WHERE service_id = @ServiceId AND "GrainId" = @GrainId AND "ReminderName" = @ReminderName;
$sql$),

-- Ring ranges exclude their begin and include their end. The provider picks this query when the
-- range does not wrap around in signed order...
('ReadRangeRows1Key', $sql$
SELECT * FROM reminder_entry
WHERE service_id = @ServiceId
  AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
$sql$),

-- ...and this one when it does.
('ReadRangeRows2Key', $sql$
SELECT * FROM reminder_entry
WHERE service_id = @ServiceId
  AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
$sql$),

-- Registering an existing reminder replaces its schedule and moves its ETag on.
('UpsertReminderRowKey', $sql$
INSERT INTO reminder
    (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 1)
ON CONFLICT ON CONSTRAINT reminder_pk DO UPDATE
SET start_time = excluded.start_time,
    period_ms = excluded.period_ms,
    grain_hash = excluded.grain_hash,
    version = reminder.version + 1
RETURNING version AS "Version";
$sql$),

-- Removal succeeds only for the ETag the caller holds.
('DeleteReminderRowKey', $sql$
WITH removed AS (
    DELETE FROM reminder
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
      AND version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM removed);
$sql$),

('DeleteReminderRowsKey', $sql$
DELETE FROM reminder
WHERE service_id = @ServiceId;
$sql$);
