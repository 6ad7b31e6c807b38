-- Supplementary invoices and credit notes in the built-in ledger: each is a document of its own (its number is
-- INV-<shipment>~A<n>, the idempotency key as for any invoice), marked with its kind and the invoice it adjusts. A credit
-- note's total and lines are negative, so a customer's receivable balance stays the sum of its ledger rows.
ALTER TABLE erp_invoice
    ADD COLUMN kind text NOT NULL DEFAULT 'invoice'
        CHECK (kind IN ('invoice', 'supplementary-invoice', 'credit-note')),
    ADD COLUMN adjusts_invoice_number text NULL REFERENCES erp_invoice (invoice_number),
    ADD CONSTRAINT erp_invoice_adjustment_names_original
        CHECK ((kind = 'invoice') = (adjusts_invoice_number IS NULL)),
    ADD CONSTRAINT erp_invoice_adjustment_sign
        CHECK ((kind = 'credit-note') = (total < 0));

-- The adjustments of an invoice, read with it.
CREATE INDEX erp_invoice_adjusts ON erp_invoice (adjusts_invoice_number) WHERE adjusts_invoice_number IS NOT NULL;
