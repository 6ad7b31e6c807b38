using System.Collections.Immutable;
using Orleans.Concurrency;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Billing;

/// <summary>
/// One invoice document: the shipment's invoice, keyed by the shipment id (its number is <c>INV-</c> + shipment id), or
/// one of its adjustments, keyed by its number without the prefix (<c>{shipment}~A{n}</c>). Moves
/// Draft → (credit check) → OnHold | Posting → Posted | Failed, and survives retries, duplicates and restarts
/// without a second invoice or a second ERP posting. An adjustment stays Draft until the original is posted.
/// </summary>
[Alias("sg.IInvoiceGrain")]
public interface IInvoiceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the invoice of a billing-ready shipment and takes it as far as it can go: credit check, then ERP
    /// posting. Idempotent: a repeated call answers the invoice that exists and creates nothing.
    /// </summary>
    [Alias("Open")]
    Task<InvoiceView> Open(BillingReady ready);

    /// <summary>
    /// Opens a supplementary invoice or credit note and takes it as far as it can go, like <see cref="Open"/>; it waits
    /// as a draft until the original invoice is posted, so the ERP never sees an adjustment before what it adjusts.
    /// </summary>
    [Alias("OpenAdjustment")]
    Task<InvoiceView> OpenAdjustment(AdjustmentRaised adjustment);

    /// <summary>
    /// Asked by an adjustment of this invoice: true when this invoice is posted; otherwise it remembers the
    /// adjustment (its grain key) and resumes it with <see cref="Release"/> once posted.
    /// </summary>
    [Alias("AwaitPosting")]
    Task<bool> AwaitPosting(string adjustmentKey);

    /// <summary>The invoice, or null when the shipment was never billed.</summary>
    [Alias("GetView")]
    Task<InvoiceView?> GetView();

    /// <summary>Every event the invoice recorded, oldest first, read from the journal (empty when never billed).</summary>
    [Alias("GetHistory")]
    Task<ImmutableArray<IInvoiceEvent>> GetHistory();

    /// <summary>How ERP posting is going: failed attempts, the next retry and the erp-failure exception, if any.</summary>
    [Alias("GetPosting")]
    Task<InvoicePosting?> GetPosting();

    /// <summary>
    /// Told by the customer once it has reserved credit for this held invoice: posts it and reports the posting
    /// back with <see cref="Customers.ICustomerGrain.RecordPosted"/>. One-way, so the customer's turn never waits
    /// on the ERP; anything but an invoice on hold only resumes where it stands, so a repeated release posts
    /// nothing twice.
    /// </summary>
    [Alias("Release"), OneWay]
    Task Release();

    /// <summary>Operations' retry of a failed ERP posting: attempts it now instead of at the next backoff time.</summary>
    [Alias("RetryPosting")]
    Task<InvoiceView?> RetryPosting();
}

/// <summary>
/// The ERP side of an invoice. <see cref="ErpFailure"/> is the erp-failure exception opened after repeated
/// failed postings (resolved when a retry finally posts); the exceptions queue picks it up from here.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-posting.v1")]
public sealed record InvoicePosting(
    [Id(0)] string InvoiceNumber,
    [Id(1)] InvoiceStatus Status,
    [Id(2)] int FailedAttempts,
    [Id(3)] string? LastFailure,
    [Id(4)] DateTimeOffset? NextAttemptAt,
    [Id(5)] ExceptionItem? ErpFailure);
