-- Grain histories (shipments first): one row per recorded event, the source of truth that state is rebuilt
-- from. The primary key makes a version unique per stream, which is how two activations of one grain after a
-- failover can never both append the same version.
CREATE TABLE event_journal (
    stream_id   text        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    event_type  text        NOT NULL,
    payload     bytea       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_id, version)
);
