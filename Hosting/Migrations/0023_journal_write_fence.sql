-- The write fence: once the cluster declares a silo dead, nothing that silo still runs commits to the journal.
--
-- A silo cut off from its peers keeps running until it learns it was declared dead; if it can still reach the
-- database, or reaches it again when the network heals, its activations, readers and timers would go on writing
-- while the same grains already live on another silo. Each silo's journal therefore registers as a writer (named
-- after its membership row: address:port@generation) and records its writer id on every row it writes. The
-- membership change that declares the silo dead fences the writer in the same statement, and every journal write
-- first takes a share lock on its writer row and goes ahead only while the row is unfenced. The lock makes the two
-- exclude each other: a write that holds it commits before the declaration, and a write after the declaration sees
-- the fence and writes nothing.
CREATE TABLE journal_writer
(
    id            integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL UNIQUE,
    registered_at timestamptz NOT NULL DEFAULT now(),
    fenced_at     timestamptz NULL
);

-- Rows written before the fence have no writer.
ALTER TABLE event_journal ADD COLUMN writer integer NULL;
ALTER TABLE journal_snapshot ADD COLUMN writer integer NULL;
ALTER TABLE journal_checkpoint ADD COLUMN writer integer NULL;

-- As before, plus the fence: a change to Dead (status 6) fences the silo's writer, registering it fenced if it never
-- wrote. A silo declared dead never comes back (a restart is a new generation, so a new writer).
UPDATE OrleansQuery SET QueryText = $sql$
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
), fenced AS (
    INSERT INTO journal_writer AS w (name, fenced_at)
    SELECT @Address || ':' || @Port::text || '@' || @Generation::text, now()
    FROM changed
    WHERE @Status = 6
    ON CONFLICT (name) DO UPDATE SET fenced_at = coalesce(w.fenced_at, excluded.fenced_at)
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM changed);
$sql$
WHERE QueryKey = 'UpdateMembershipKey';
