-- The outcome of every carrier event sent to the durable intake queue, found by the carrier's own event id:
-- Queued once it is committed to the journal, then Accepted (in the shipment's history, from this or an earlier
-- copy) or Rejected once its shipment decided.
CREATE TABLE queued_event_outcome
(
    carrier_id  text        NOT NULL,
    event_id    text        NOT NULL,
    shipment_id text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('Queued', 'Accepted', 'Rejected')),
    reason      text        NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (carrier_id, event_id)
);

-- Retention removes decided outcomes oldest first.
CREATE INDEX queued_event_outcome_age ON queued_event_outcome (updated_at);
