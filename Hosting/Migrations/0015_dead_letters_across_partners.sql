-- Dead letters across partners: where each event came from (its source: 0 API, 1 stream, 2 EDI, as EventSource)
-- and why it was refused (the rejection's name), so operations filter them across carriers; and discarding an
-- event that will never apply, with the reason. Letters kept before this migration recorded neither: NULL, not a guess.
ALTER TABLE carrier_dead_letter
    ADD COLUMN source         smallint    NULL,
    ADD COLUMN reason_code    text        NULL,
    ADD COLUMN discard_reason text        NULL,
    ADD COLUMN discarded_at   timestamptz NULL;

-- The cross-carrier list pages oldest first by (dead_lettered_at, carrier_id, event_id); a filter on the reason or the
-- source leads its own index, a filter on the carrier uses carrier_dead_letter_list.
CREATE INDEX carrier_dead_letter_age ON carrier_dead_letter (dead_lettered_at, carrier_id, event_id);
CREATE INDEX carrier_dead_letter_by_reason ON carrier_dead_letter (reason_code, dead_lettered_at, carrier_id, event_id);
CREATE INDEX carrier_dead_letter_by_source ON carrier_dead_letter (source, dead_lettered_at, carrier_id, event_id);

-- Retention removes discarded letters like replayed ones.
CREATE INDEX carrier_dead_letter_discarded ON carrier_dead_letter (discarded_at) WHERE status = 2;
