using System.Reflection;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The catalog of the project's own SQL; the Orleans providers' SQL is the other half, in the OrleansQuery
/// table (migrations). Every statement the project runs is a <see cref="GridQuery"/> field here: adding one is
/// adding a field, and the plan test in the integration tests checks every field for index use.
/// </summary>
public static class GridSql
{
    // ERP ledger (migration 0007). The header insert wins the invoice number or returns nothing.
    public static readonly GridQuery PostInvoiceHeader = new(
        nameof(PostInvoiceHeader),
        """
        INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at)
        VALUES ($1, 'ERP-' || lpad(nextval('erp_document_number')::text, 10, '0'), $2, $3, $4, $5, $6)
        ON CONFLICT (invoice_number) DO NOTHING
        RETURNING document_number, posted_at
        """,
        ["text", "text", "text", "text", "numeric", "timestamptz"]);

    public static readonly GridQuery ReadPostedInvoice = new(
        nameof(ReadPostedInvoice),
        "SELECT document_number, posted_at FROM erp_invoice WHERE invoice_number = $1",
        ["text"]);

    public static readonly GridQuery PostInvoiceLines = new(
        nameof(PostInvoiceLines),
        """
        INSERT INTO erp_invoice_line (invoice_number, line_number, charge_id, charge_type, amount, currency, source, source_reference)
        SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[], $8::text[])
        """,
        ["text", "integer[]", "text[]", "text[]", "numeric[]", "text[]", "text[]", "text[]"]);

    public static readonly GridQuery RecordReceivableEntry = new(
        nameof(RecordReceivableEntry),
        """
        INSERT INTO erp_receivable_entry (customer_id, kind, reference, amount, currency)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT ON CONSTRAINT erp_receivable_entry_once DO NOTHING
        """,
        ["text", "text", "text", "numeric", "text"]);

    /// <summary>
    /// Every statement of the catalog, found by reflection so that none can be left out (computed on each call,
    /// so a field declared below this one is not missed by static initialisation order).
    /// </summary>
    public static IReadOnlyList<GridQuery> All => typeof(GridSql)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(member => member.FieldType == typeof(GridQuery))
        .Select(member => (GridQuery)member.GetValue(null)!)
        .ToList();
}
