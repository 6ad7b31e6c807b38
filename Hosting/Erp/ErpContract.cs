using System.Text.Json;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Hosting.Erp;

/// <summary>
/// The JSON a remote ERP speaks with the grid (README, "Connecting a remote ERP"): camelCase names, amounts as JSON
/// numbers in the currency's units (decimal, never float), times as ISO 8601 with offset, charge types as the
/// standard codes (<c>LINEHAUL</c>, <c>FUEL_SURCHARGE</c>, ...).
/// </summary>
public static class ErpContract
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static string InvoicePath(string invoiceNumber) => "invoices/" + Uri.EscapeDataString(invoiceNumber);

    public static string PaymentPath(string paymentId) => "payments/" + Uri.EscapeDataString(paymentId);

    /// <summary>The contract's spelling of an invoice kind.</summary>
    public static string KindCode(InvoiceKind kind) => kind switch
    {
        InvoiceKind.SupplementaryInvoice => "supplementary-invoice",
        InvoiceKind.CreditNote => "credit-note",
        _ => "invoice",
    };
}

/// <summary>
/// The body of <c>PUT /invoices/{invoiceNumber}</c>. <c>kind</c> is <c>invoice</c>, <c>supplementary-invoice</c> or
/// <c>credit-note</c>; an adjustment names the invoice it adjusts in <c>adjustsInvoiceNumber</c>, and a credit note's
/// total and line amounts are negative.
/// </summary>
public sealed record ErpInvoiceDocument(
    string InvoiceNumber,
    string CustomerId,
    string ShipmentId,
    DateTimeOffset IssuedAt,
    string Currency,
    decimal Total,
    IReadOnlyList<ErpInvoiceLineDocument> Lines,
    string Kind,
    string? AdjustsInvoiceNumber)
{
    public static ErpInvoiceDocument From(ErpInvoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return new(
            invoice.InvoiceNumber,
            invoice.CustomerId,
            invoice.ShipmentId,
            invoice.IssuedAt,
            invoice.Total.Currency,
            invoice.Total.Amount,
            [.. invoice.Lines.Select(line => new ErpInvoiceLineDocument(
                line.LineNumber, line.ChargeId, ChargeTypeCodes.CodeOf(line.Type), line.Amount.Amount, line.Source.ToString(), line.SourceReference))],
            ErpContract.KindCode(invoice.Kind),
            invoice.AdjustsInvoiceNumber);
    }
}

public sealed record ErpInvoiceLineDocument(
    int LineNumber,
    string ChargeId,
    string ChargeType,
    decimal Amount,
    string Source,
    string? SourceReference);

/// <summary>The body of <c>PUT /payments/{paymentId}</c>; the amount is what the customer paid (positive).</summary>
public sealed record ErpPaymentDocument(string PaymentId, string CustomerId, string Currency, decimal Amount, DateTimeOffset ReceivedAt);

/// <summary>The ERP's answer about an invoice (201, 200, 409 to a PUT; 200 to a GET): its document number and posting time.</summary>
public sealed record ErpPostedDocument(string? DocumentNumber, DateTimeOffset? PostedAt);
