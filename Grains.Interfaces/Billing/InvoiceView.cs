using System.Collections.Immutable;

namespace ShipmentGrid.Billing;

[GenerateSerializer, Alias("sg.invoice-status.v1")]
public enum InvoiceStatus
{
    Draft = 0,
    OnHold = 1,
    Posting = 2,
    Posted = 3,
    Failed = 4,
    Voided = 5,
}

/// <summary>What an invoice document is: the shipment's one invoice, or an adjustment of it.</summary>
[GenerateSerializer, Alias("sg.invoice-kind.v1")]
public enum InvoiceKind
{
    Invoice = 0,

    /// <summary>Bills charges that arrived after the invoice: a positive total.</summary>
    SupplementaryInvoice = 1,

    /// <summary>Credits voided or reduced charges: a negative total.</summary>
    CreditNote = 2,
}

/// <summary>An invoice line, traced back to the charge (and that charge's source document) it bills.</summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-line.v1")]
public sealed record InvoiceLine(
    [Id(0)] int LineNumber,
    [Id(1)] string ChargeId,
    [Id(2)] ChargeType Type,
    [Id(3)] Money Amount,
    [Id(4)] ChargeSource Source,
    [Id(5)] string? SourceReference);

/// <summary>
/// An invoice document of a shipment: its one invoice, or an adjustment of it (<see cref="Kind"/>, with the original's
/// number). <see cref="InvoiceNumber"/> is derived from the shipment id and is the ERP idempotency key.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-view.v1")]
public sealed record InvoiceView(
    [Id(0)] string InvoiceNumber,
    [Id(1)] string ShipmentId,
    [Id(2)] string CustomerId,
    [Id(3)] ImmutableArray<InvoiceLine> Lines,
    [Id(4)] Money Total,
    [Id(5)] InvoiceStatus Status,
    [Id(6)] DateTimeOffset CreatedAt,
    [Id(7)] string? HoldReason,
    [Id(8)] string? ErpDocumentNumber,
    [Id(9)] DateTimeOffset? PostedAt,
    [Id(10)] InvoiceKind Kind = InvoiceKind.Invoice,
    [Id(11)] string? OriginalInvoiceNumber = null,
    [Id(12)] string? Reason = null);

/// <summary>An invoice waiting on the customer's credit; released oldest first.</summary>
[GenerateSerializer, Immutable, Alias("sg.held-invoice.v1")]
public sealed record HeldInvoice(
    [Id(0)] string InvoiceNumber,
    [Id(1)] string ShipmentId,
    [Id(2)] Money Total,
    [Id(3)] DateTimeOffset HeldAt);
