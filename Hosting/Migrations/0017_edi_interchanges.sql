-- Received EDI interchanges, kept for audit and lineage: the raw X12, the 997 answered and a JSON summary of what it
-- did. The key is how a resent control number is answered again without being processed twice.
CREATE TABLE edi_interchange
(
    carrier_id      text        NOT NULL,
    control_number  text        NOT NULL,
    received_at     timestamptz NOT NULL,
    raw             text        NOT NULL,
    acknowledgement text        NULL,
    summary         text        NOT NULL,
    PRIMARY KEY (carrier_id, control_number)
);
