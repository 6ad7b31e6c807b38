-- Grains that journal their own transitions (invoices, customers) keep their state beside their stream: one row per
-- stream, written in the same statement as the events of the commit, so a transition and the state it leads to
-- commit together or not at all. version is the stream's event count at that commit; commits counts every commit,
-- changes of state without events included, and is what a writer's optimistic check compares, so two activations
-- of one grain cannot both store a state.
CREATE TABLE journal_snapshot
(
    stream_id  text        PRIMARY KEY,
    version    integer     NOT NULL CHECK (version >= 0),
    commits    integer     NOT NULL CHECK (commits > 0),
    state_type text        NOT NULL,
    state      bytea       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
