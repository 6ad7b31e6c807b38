-- Shipments by reference: a carrier's status may name only its PRO or the bill of lading. Written by the booking
-- itself (so a status that follows a booking at once finds it) and again by the journal's projection; per reference
-- and carrier the latest booking wins. kind: 0 PRO, 1 bill of lading, 2 purchase order (ShipmentReferenceKind).
CREATE TABLE shipment_reference
(
    kind        smallint    NOT NULL,
    reference   text        NOT NULL,
    carrier_id  text        NOT NULL,
    shipment_id text        NOT NULL,
    customer_id text        NOT NULL,
    booked_at   timestamptz NOT NULL,
    PRIMARY KEY (kind, reference, carrier_id)
);
