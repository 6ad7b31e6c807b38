-- The journal becomes the outbox: every committed row is read, in commit order, by the one reader of its
-- partition, which hands it to the row's followers and then moves the partition's checkpoint.
--
-- Commit order, not insertion order: a row's position comes from a sequence when it is inserted, but
-- transactions commit in any order, so a reader that trusted positions alone could pass position 12 while the
-- transaction holding position 11 had yet to commit, and never see 11. Each row therefore also records its
-- transaction id (xid8, never wraps), readers order by (tx, position), and they read only rows of transactions
-- older than the oldest one still running (pg_snapshot_xmin), all of which have ended: no later commit can
-- land before a row already read. Rows written before this migration belong to its own transaction.
ALTER TABLE event_journal
    ADD COLUMN position     bigint  GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN partition    integer NOT NULL DEFAULT 0 CHECK (partition >= 0),
    ADD COLUMN tx           xid8    NOT NULL DEFAULT pg_current_xact_id(),
    ADD COLUMN trace_parent text    NULL;

CREATE UNIQUE INDEX event_journal_feed ON event_journal (partition, tx, position);

-- The number of partitions is fixed once rows carry it: the first process to start records its setting, and a
-- process configured otherwise refuses to start.
CREATE TABLE journal_partitioning
(
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    partitions integer NOT NULL CHECK (partitions > 0)
);

-- How far each partition's reader has followed the journal. A reader moves its checkpoint only from the value it
-- read, so two readers of one partition during a failover cannot both move it.
CREATE TABLE journal_checkpoint
(
    partition  integer     PRIMARY KEY,
    tx         xid8        NOT NULL,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Events a follower failed for good, kept with the reason; the reader moved on past them.
CREATE TABLE journal_dead_letter
(
    partition        integer     NOT NULL,
    position         bigint      NOT NULL,
    stream_id        text        NOT NULL,
    version          integer     NOT NULL,
    event_type       text        NOT NULL,
    reason           text        NOT NULL,
    attempts         integer     NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partition, position)
);

-- Orleans' ADO.NET stream provider is gone: the journal carries queued carrier events (intake streams) and every
-- follow-up, so its queue, dead letters, housekeeping and query texts go with it.
DELETE FROM OrleansQuery WHERE QueryKey IN (
    'QueueStreamMessageKey', 'GetStreamMessagesKey', 'ConfirmStreamMessagesKey', 'FailStreamMessageKey',
    'EvictStreamMessagesKey', 'EvictStreamDeadLettersKey');
DROP FUNCTION stream_evict_messages;
DROP FUNCTION stream_evict_dead_letters;
DROP FUNCTION stream_dequeue;
DROP TABLE stream_eviction;
DROP TABLE stream_dead_letter;
DROP TABLE stream_message;
