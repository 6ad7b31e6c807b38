using System.Collections.Concurrent;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// The in-memory ledger behind a script of outages: per invoice or payment id, fail the next calls, lose the next
/// answer, or keep the next posting waiting until the test lets it go.
/// </summary>
internal sealed class ScriptedErpGateway(InMemoryLedgerGateway ledger) : IErpGateway
{
    private readonly ConcurrentDictionary<string, int> failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> busy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> lostAnswers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> crashes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waits = new(StringComparer.Ordinal);

    public InMemoryLedgerGateway Ledger => ledger;

    /// <summary>The ERP is down for the next <paramref name="times"/> calls for this invoice number or payment id.</summary>
    public void FailNext(string reference, int times) => failures[reference] = times;

    /// <summary>The grid's throttle has no slot for the next <paramref name="times"/> calls for this reference (a peak, not an outage).</summary>
    public void BusyNext(string reference, int times) => busy[reference] = times;

    /// <summary>The next posting of this invoice waits in the ERP until the returned source is completed.</summary>
    public TaskCompletionSource HoldNext(string invoiceNumber)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        waits[invoiceNumber] = release;
        return release;
    }

    /// <summary>The ERP posts the next call of this invoice, but the answer never arrives.</summary>
    public void LoseNextAnswer(string invoiceNumber) => lostAnswers[invoiceNumber] = 1;

    /// <summary>The silo dies while the next posting of this invoice is on the wire: the grain call fails, nothing is posted.</summary>
    public void CrashNext(string invoiceNumber) => crashes[invoiceNumber] = 1;

    /// <summary>How many times the grid called the ERP for this invoice number or payment id.</summary>
    public int CallsFor(string reference) => calls.GetValueOrDefault(reference);

    public async Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken)
    {
        calls.AddOrUpdate(invoice.InvoiceNumber, 1, (_, count) => count + 1);
        if (TakeOne(crashes, invoice.InvoiceNumber))
        {
            throw new InvalidOperationException("Silo lost mid-posting.");
        }

        if (TakeOne(failures, invoice.InvoiceNumber))
        {
            throw new ErpUnavailableException("ERP timed out.");
        }

        if (TakeOne(busy, invoice.InvoiceNumber))
        {
            throw new ErpBusyException("No ERP call slot.");
        }

        if (waits.TryRemove(invoice.InvoiceNumber, out var release))
        {
            await release.Task;
        }

        var posted = await ledger.PostAsync(invoice, cancellationToken);
        return TakeOne(lostAnswers, invoice.InvoiceNumber) ? throw new ErpUnavailableException("Connection reset after sending.") : posted;
    }

    public Task RecordPaymentAsync(ErpPayment payment, CancellationToken cancellationToken)
    {
        calls.AddOrUpdate(payment.PaymentId, 1, (_, count) => count + 1);
        return TakeOne(failures, payment.PaymentId)
            ? throw new ErpUnavailableException("ERP timed out.")
            : ledger.RecordPaymentAsync(payment, cancellationToken);
    }

    private static bool TakeOne(ConcurrentDictionary<string, int> script, string invoiceNumber)
    {
        while (script.TryGetValue(invoiceNumber, out var left) && left > 0)
        {
            if (script.TryUpdate(invoiceNumber, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }
}
