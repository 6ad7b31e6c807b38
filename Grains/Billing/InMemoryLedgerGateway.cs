using System.Collections.Immutable;
using System.Globalization;

namespace ShipmentGrid.Billing;

/// <summary>
/// The embedded default ERP: a receivables ledger that lives as long as the process, with the same
/// idempotency as the PostgreSQL ledger. Never proof of durability.
/// </summary>
public sealed class InMemoryLedgerGateway(TimeProvider clock) : IErpGateway
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ErpPostingResult> documents = new(StringComparer.Ordinal);
    private readonly List<LedgerEntry> entries = [];

    /// <summary>Every receivables entry written, oldest first: one per posted invoice and per payment.</summary>
    public ImmutableArray<LedgerEntry> Entries
    {
        get
        {
            lock (gate)
            {
                return [.. entries];
            }
        }
    }

    public Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        lock (gate)
        {
            if (!documents.TryGetValue(invoice.InvoiceNumber, out var posted))
            {
                posted = new ErpPostingResult(
                    "ERP-" + (documents.Count + 1).ToString("D8", CultureInfo.InvariantCulture), clock.GetUtcNow());
                documents.Add(invoice.InvoiceNumber, posted);
                entries.Add(new LedgerEntry(invoice.CustomerId, LedgerEntryKind.Invoice, invoice.InvoiceNumber, invoice.Total));
            }

            return Task.FromResult(posted);
        }
    }

    public Task RecordPaymentAsync(ErpPayment payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        lock (gate)
        {
            if (!entries.Exists(entry => entry.Kind == LedgerEntryKind.Payment && entry.Reference == payment.PaymentId && entry.CustomerId == payment.CustomerId))
            {
                entries.Add(new LedgerEntry(payment.CustomerId, LedgerEntryKind.Payment, payment.PaymentId, payment.Amount with { Amount = -payment.Amount.Amount }));
            }

            return Task.CompletedTask;
        }
    }
}

public enum LedgerEntryKind
{
    Invoice,
    Payment,
}

/// <summary>One line of a customer's receivables: an invoice adds, a payment (negative amount) settles.</summary>
public sealed record LedgerEntry(string CustomerId, LedgerEntryKind Kind, string Reference, Money Amount);
