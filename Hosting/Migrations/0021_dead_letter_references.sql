-- A carrier status that names its shipment only by a reference (an EDI 214 with the PRO or bill of lading but no
-- shipment id) and finds no booking is dead-lettered with that reference, so a replay after the booking finds it.
ALTER TABLE carrier_dead_letter
    ADD COLUMN reference_kind smallint NULL,
    ADD COLUMN reference text NULL,
    ADD CONSTRAINT carrier_dead_letter_reference_whole CHECK ((reference_kind IS NULL) = (reference IS NULL));
