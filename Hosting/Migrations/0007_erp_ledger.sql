-- The default ERP: posted invoices (header and lines) and a receivables ledger per customer. Posting is
-- idempotent on the invoice number (the ERP idempotency key) through the primary key of erp_invoice, and a
-- payment on its id through the ledger's unique key: a retried call finds the first row and writes nothing.
CREATE SEQUENCE erp_document_number;

CREATE TABLE erp_invoice (
    invoice_number  text          PRIMARY KEY,
    document_number text          NOT NULL UNIQUE,
    customer_id     text          NOT NULL,
    shipment_id     text          NOT NULL,
    currency        char(3)       NOT NULL,
    total           numeric(19,4) NOT NULL,
    issued_at       timestamptz   NOT NULL,
    posted_at       timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE erp_invoice_line (
    invoice_number   text          NOT NULL REFERENCES erp_invoice (invoice_number),
    line_number      integer       NOT NULL CHECK (line_number > 0),
    charge_id        text          NOT NULL,
    charge_type      text          NOT NULL,
    amount           numeric(19,4) NOT NULL,
    currency         char(3)       NOT NULL,
    source           text          NOT NULL,
    source_reference text          NULL,
    PRIMARY KEY (invoice_number, line_number)
);

-- One row per receivable movement: an invoice posting adds its total, a payment subtracts its amount. The
-- balance of a customer is the sum of its rows.
CREATE TABLE erp_receivable_entry (
    entry_id    bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id text          NOT NULL,
    kind        text          NOT NULL CHECK (kind IN ('invoice', 'payment')),
    reference   text          NOT NULL,
    amount      numeric(19,4) NOT NULL,
    currency    char(3)       NOT NULL,
    recorded_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT erp_receivable_entry_once UNIQUE (customer_id, kind, reference)
);
