using System.Collections.Concurrent;
using System.Globalization;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>One way the grid's end state differs from what it acknowledged: a kind, what it concerns, and what was seen.</summary>
internal sealed record Difference(string Kind, string Subject, string Detail)
{
    public override string ToString() => $"{Kind} {Subject}: {Detail}";
}

/// <summary>
/// The verifier's verdict and what it counted on the way; <see cref="Differences"/> holds the first
/// <see cref="Listed"/> of <see cref="DifferenceCount"/>.
/// </summary>
internal sealed record Verification(
    int Shipments,
    int Events,
    int InvoicesPosted,
    int InvoicesHeld,
    int Uncertain,
    bool LedgerChecked,
    double Seconds,
    int DifferenceCount,
    IReadOnlyList<Difference> Differences)
{
    public const int Listed = 1_000;

    public bool Passed => DifferenceCount == 0;
}

/// <summary>
/// Checks the grid's end state against the acknowledgement ledger, through the API (and the ERP ledger's tables when a
/// PostgreSQL connection string is given). For every shipment: its timeline holds each acknowledged event exactly once
/// and nothing unacknowledged, and agrees with its history (the journal); a billable shipment (proof of delivery and both
/// required charges acknowledged) has exactly one invoice for the charges, Posted, or OnHold while its customer is still
/// held; one not billable has none. Queued stream events are waited for until decided. Then: the journal's readers have
/// caught up with nothing newly dead-lettered, each customer's list agrees with the shipment views, its receivables with
/// its posted invoices and its hold with the ledger, and the ERP ledger holds one invoice row and one receivable entry
/// per posted invoice, none for others. The grid settles asynchronously, so each check is repeated until it holds or
/// <see cref="VerifierOptions.Settle"/> has passed; what still differs then is reported.
/// </summary>
internal sealed class Verifier(GridClient grid, string readKey, VerifierOptions options)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>What the verifier is doing, for the progress display.</summary>
    public string Status { get; private set; } = "verifying";

    public async Task<Verification> VerifyAsync(AcknowledgementLedger ledger, long deadLettersBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + options.Settle;
        var differences = new ConcurrentQueue<Difference>();
        var rejected = await QueuedOutcomesAsync(ledger, deadline, differences, cancellationToken);
        var shipments = await ShipmentsAsync(ledger, rejected, deadline, differences, cancellationToken);
        await JournalAsync(deadLettersBefore, deadline, differences, cancellationToken);
        await CustomersAsync(ledger, shipments, deadline, differences, cancellationToken);
        if (options.Postgres is { } connectionString)
        {
            Status = "verifying: ERP ledger";
            foreach (var difference in await ErpLedger.CompareAsync(connectionString, ledger, shipments, cancellationToken))
            {
                differences.Enqueue(difference);
            }
        }

        RecordProofToPosted(ledger, shipments);
        return new Verification(
            ledger.Shipments.Count,
            ledger.Events.Count,
            shipments.Values.Count(seen => seen.InvoiceStatus == "Posted"),
            shipments.Values.Count(seen => seen.InvoiceStatus == "OnHold"),
            ledger.Shipments.Values.Count(shipment => shipment.Uncertain),
            options.Postgres is not null,
            watch.Elapsed.TotalSeconds,
            differences.Count,
            [.. differences.OrderBy(difference => difference.Subject, StringComparer.Ordinal).ThenBy(difference => difference.Kind, StringComparer.Ordinal).Take(Verification.Listed)]);
    }

    /// <summary>
    /// Waits for every event queued through the stream to be decided. Returns the ones the grid rejected (reported: they
    /// were acknowledged and never applied), which must then not be in any timeline.
    /// </summary>
    private async Task<HashSet<(string CarrierId, string EventId)>> QueuedOutcomesAsync(
        AcknowledgementLedger ledger, DateTime deadline, ConcurrentQueue<Difference> differences, CancellationToken cancellationToken)
    {
        var rejected = new ConcurrentDictionary<(string, string), bool>();
        var queued = ledger.Events.Where(acknowledged => acknowledged.Acknowledgement == EventAcknowledgement.Queued).ToList();
        await UntilSettledAsync(queued, async acknowledged =>
        {
            var subject = $"{acknowledged.CarrierId}/{acknowledged.EventId}";
            var outcome = await grid.ReadAsync(readKey, $"api/v1/carrier-events/{acknowledged.CarrierId}/{Uri.EscapeDataString(acknowledged.EventId)}");
            switch ((string?)outcome?["status"])
            {
                case "Accepted":
                    return [];
                case "Rejected":
                    // Decided: reported at once rather than waited on.
                    rejected[(acknowledged.CarrierId, acknowledged.EventId)] = true;
                    differences.Enqueue(new Difference("queued-event-rejected", acknowledged.ShipmentId, $"{subject} was queued, then rejected: {(string?)outcome!["reason"]}"));
                    return [];
                default:
                    return [new Difference("queued-event-undecided", acknowledged.ShipmentId, $"{subject} was queued and is {(string?)outcome?["status"] ?? "unknown to the grid"}")];
            }
        }, settled => $"verifying: {settled:N0} of {queued.Count:N0} queued events decided", deadline, differences, cancellationToken);
        return [.. rejected.Keys];
    }

    /// <summary>Checks every shipment until none differs or the deadline passes; returns what was seen of each.</summary>
    private async Task<ConcurrentDictionary<string, SeenShipment>> ShipmentsAsync(
        AcknowledgementLedger ledger,
        HashSet<(string CarrierId, string EventId)> rejected,
        DateTime deadline,
        ConcurrentQueue<Difference> differences,
        CancellationToken cancellationToken)
    {
        var expected = ledger.Events
            .Where(acknowledged => !rejected.Contains((acknowledged.CarrierId, acknowledged.EventId)))
            .ToLookup(acknowledged => acknowledged.ShipmentId, StringComparer.Ordinal);
        var seen = new ConcurrentDictionary<string, SeenShipment>(StringComparer.Ordinal);
        await UntilSettledAsync([.. ledger.Shipments.Values], async shipment =>
        {
            var (found, problems) = await CheckShipmentAsync(shipment, expected[shipment.ShipmentId], ledger.Customers.GetValueOrDefault(shipment.CustomerId));
            if (found is not null)
            {
                seen[shipment.ShipmentId] = found;
            }

            return problems;
        }, settled => $"verifying: {settled:N0} of {ledger.Shipments.Count:N0} shipments as acknowledged", deadline, differences, cancellationToken);
        return seen;
    }

    private async Task<(SeenShipment? Seen, IReadOnlyList<Difference> Problems)> CheckShipmentAsync(
        AcknowledgedShipment shipment, IEnumerable<AcknowledgedEvent> acknowledged, bool heldAtEnd)
    {
        var id = shipment.ShipmentId;
        var problems = new List<Difference>();
        var view = await grid.ReadAsync(readKey, $"api/v1/shipments/{id}");
        if (view is null)
        {
            return (null, shipment.Uncertain ? [] : [new Difference("shipment-missing", id, "booked and acknowledged, but the grid answers 404")]);
        }

        var timeline = view["timeline"]!.AsArray().Select(entry => $"{(string?)entry!["carrierId"]}/{(string?)entry["eventId"]}").ToList();
        var expectedIds = acknowledged.Select(entry => $"{entry.CarrierId}/{entry.EventId}").ToHashSet(StringComparer.Ordinal);
        foreach (var twice in timeline.GroupBy(entry => entry, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            problems.Add(new Difference("event-applied-twice", id, $"{twice.Key} is {twice.Count()} times in the timeline"));
        }

        foreach (var missing in expectedIds.Except(timeline, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            problems.Add(new Difference("acknowledged-event-missing", id, $"{missing} was acknowledged but is not in the timeline"));
        }

        // A shipment some request of which went unanswered may hold what that request carried: only what is missing counts there.
        var extras = shipment.Uncertain ? [] : timeline.Distinct(StringComparer.Ordinal).Except(expectedIds, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        problems.AddRange(extras.Select(extra => new Difference("unacknowledged-event", id, $"{extra} is in the timeline but was never acknowledged")));

        // The journal (the shipment's history) is the source of truth the timeline is folded from: they must hold the same events.
        var history = (await grid.ReadAsync(readKey, $"api/v1/shipments/{id}/history"))?.AsArray() ?? [];
        var journaled = history
            .Where(entry => (string?)entry?["type"] is "MilestoneRecorded" or "ShipmentExceptionOpened")
            .Select(entry => $"{(string?)entry!["event"]?["carrierEvent"]?["carrierId"]}/{(string?)entry["event"]?["carrierEvent"]?["eventId"]}")
            .Order(StringComparer.Ordinal)
            .ToList();
        if (!journaled.SequenceEqual(timeline.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            problems.Add(new Difference("journal-disagrees", id, $"history holds [{string.Join(", ", journaled)}], timeline [{string.Join(", ", timeline.Order(StringComparer.Ordinal))}]"));
        }

        foreach (var decision in new[] { "BillingReady", "ShipmentInvoiced" })
        {
            if (history.Count(entry => (string?)entry?["type"] == decision) > 1)
            {
                problems.Add(new Difference("billed-twice", id, $"history holds {decision} more than once"));
            }
        }

        var seen = Seen(id, view);
        if (shipment.Uncertain)
        {
            // Not judged, but what it shows counts: its invoice, if the grid made one, is in the customer's receivables.
            return (await WithInvoiceAsync(seen), problems);
        }

        if (!shipment.Billable)
        {
            var expectedBilling = shipment.ProofAt is null ? "NotReady" : "AwaitingCharges";
            if (seen.InvoiceNumber is not null || seen.BillingStatus != expectedBilling)
            {
                problems.Add(new Difference("invoice-unexpected", id, $"not billable (charges {string.Join(", ", shipment.Charges.Keys.Order(StringComparer.Ordinal))}, proof of delivery {(shipment.ProofAt is null ? "not " : string.Empty)}acknowledged): expected {expectedBilling} without an invoice, billing is {seen.BillingStatus} with invoice {seen.InvoiceNumber ?? "none"}"));
            }

            return (seen, problems);
        }

        var invoice = await grid.ReadAsync(readKey, $"api/v1/shipments/{id}/invoice");
        var expectedStatus = heldAtEnd ? "OnHold" : "Posted";
        var total = shipment.Charges.Values.Sum();
        seen = WithInvoice(seen, invoice);
        if (invoice is null || seen.BillingStatus != "Invoiced" || seen.InvoiceNumber != (string?)invoice["invoiceNumber"] || seen.InvoiceStatus != expectedStatus)
        {
            problems.Add(new Difference("invoice-missing", id, $"billable: expected one invoice {expectedStatus}, billing is {seen.BillingStatus} with invoice {seen.InvoiceNumber ?? "none"}, the invoice answered {invoice?["invoiceNumber"]?.ToString() ?? "404"} {seen.InvoiceStatus}"));
        }
        else if (seen.InvoiceTotal != total || invoice["lines"]!.AsArray().Count != shipment.Charges.Count)
        {
            problems.Add(new Difference("invoice-total", id, $"expected {shipment.Charges.Count} lines totalling {total.ToString(CultureInfo.InvariantCulture)}, got {invoice["lines"]!.AsArray().Count} totalling {seen.InvoiceTotal?.ToString(CultureInfo.InvariantCulture)}"));
        }

        return (seen, problems);
    }

    private static SeenShipment Seen(string id, System.Text.Json.Nodes.JsonNode view) =>
        new(id, (string?)view["status"], (string?)view["billingStatus"], (string?)view["invoiceNumber"], null, null, null);

    /// <summary>The shipment with its invoice's status, total and posting time, read when it has an invoice.</summary>
    private async Task<SeenShipment> WithInvoiceAsync(SeenShipment seen) =>
        seen.InvoiceNumber is null ? seen : WithInvoice(seen, await grid.ReadAsync(readKey, $"api/v1/shipments/{seen.ShipmentId}/invoice"));

    private static SeenShipment WithInvoice(SeenShipment seen, System.Text.Json.Nodes.JsonNode? invoice) => seen with
    {
        InvoiceStatus = (string?)invoice?["status"],
        InvoiceTotal = (decimal?)invoice?["total"]?["amount"],
        PostedAt = (DateTimeOffset?)invoice?["postedAt"],
    };

    /// <summary>Journal readers caught up (lag zero), and nothing dead-lettered by followers during the run.</summary>
    private async Task JournalAsync(long deadLettersBefore, DateTime deadline, ConcurrentQueue<Difference> differences, CancellationToken cancellationToken)
    {
        Status = "verifying: journal lag";
        while (true)
        {
            var lag = await grid.ReadAsync(readKey, "api/v1/journal/lag", RunMetrics.Operations.Lag);
            var (events, deadLetters) = ((long)lag!["events"]!, (long)lag["deadLetters"]!);
            grid.Metrics.Lag(events);
            if (events == 0 && deadLetters == deadLettersBefore)
            {
                return;
            }

            if (!await PauseAsync(deadline, cancellationToken))
            {
                differences.Enqueue(new Difference(
                    "journal", "journal", $"lag {events} events (expected 0), {deadLetters - deadLettersBefore} events dead-lettered by followers during the run"));
                return;
            }
        }
    }

    /// <summary>Each customer's shipment list agrees with the shipment views; receivables with posted invoices; the hold with the ledger.</summary>
    private async Task CustomersAsync(
        AcknowledgementLedger ledger, ConcurrentDictionary<string, SeenShipment> shipments, DateTime deadline, ConcurrentQueue<Difference> differences, CancellationToken cancellationToken)
    {
        var byCustomer = ledger.Shipments.Values.ToLookup(shipment => shipment.CustomerId, StringComparer.Ordinal);
        await UntilSettledAsync(
            [.. ledger.Customers.Keys],
            customerId => CheckCustomerAsync(customerId, ledger.Customers[customerId], byCustomer[customerId], shipments),
            settled => $"verifying: {settled:N0} of {ledger.Customers.Count:N0} customers' lists",
            deadline,
            differences,
            cancellationToken);
    }

    private async Task<IReadOnlyList<Difference>> CheckCustomerAsync(
        string customerId, bool held, IEnumerable<AcknowledgedShipment> booked, ConcurrentDictionary<string, SeenShipment> shipments)
    {
        var problems = new List<Difference>();
        var listed = (await grid.ReadAllAsync(readKey, $"api/v1/customers/{customerId}/shipments"))
            .GroupBy(entry => (string)entry["shipmentId"]!, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToList(), StringComparer.Ordinal);
        var bookedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shipment in booked)
        {
            bookedIds.Add(shipment.ShipmentId);
            if (!shipments.TryGetValue(shipment.ShipmentId, out var seen))
            {
                continue;
            }

            if (shipment.Uncertain)
            {
                // Nothing waited for an uncertain shipment's billing to settle: it is read again on each pass, and what it
                // shows now is what its list line, the customer's receivables and the ERP ledger must agree with.
                var view = await grid.ReadAsync(readKey, $"api/v1/shipments/{shipment.ShipmentId}");
                seen = shipments[shipment.ShipmentId] = view is null ? seen : await WithInvoiceAsync(Seen(shipment.ShipmentId, view));
            }

            var entries = listed.GetValueOrDefault(shipment.ShipmentId) ?? [];
            var line = entries.FirstOrDefault();
            var shown = ((string?)line?["status"], (string?)line?["billingStatus"], (string?)line?["invoiceNumber"], (string?)line?["invoiceStatus"]);
            var expected = (seen.Status, seen.BillingStatus, seen.InvoiceNumber, seen.InvoiceStatus);
            if (entries.Count != 1 || shown != expected)
            {
                problems.Add(new Difference("customer-list-disagrees", shipment.ShipmentId, $"listed {entries.Count} times for {customerId} as {shown}, the shipment shows {expected}"));
            }
        }

        foreach (var stray in listed.Keys.Where(id => !bookedIds.Contains(id)).Order(StringComparer.Ordinal))
        {
            problems.Add(new Difference("customer-list-disagrees", stray, $"listed for {customerId} but its booking was never acknowledged"));
        }

        var profile = await grid.ReadAsync(readKey, $"api/v1/customers/{customerId}");
        var posted = booked.Select(shipment => shipments.GetValueOrDefault(shipment.ShipmentId))
            .Where(seen => seen?.InvoiceStatus == "Posted")
            .Sum(seen => seen!.InvoiceTotal ?? 0);
        var (receivables, onHold) = ((decimal?)profile?["openReceivables"]?["amount"], (bool?)profile?["creditHold"]);
        if (receivables != posted || onHold != held)
        {
            problems.Add(new Difference(
                "customer-disagrees", customerId, $"open receivables {receivables?.ToString(CultureInfo.InvariantCulture)} and hold {onHold}; posted invoices total {posted.ToString(CultureInfo.InvariantCulture)}, hold acknowledged {held}"));
        }

        return problems;
    }

    /// <summary>Billable to posted, for shipments of customers never held (a hold keeps an invoice waiting by design).</summary>
    private void RecordProofToPosted(AcknowledgementLedger ledger, IReadOnlyDictionary<string, SeenShipment> shipments)
    {
        foreach (var shipment in ledger.Shipments.Values.Where(shipment => !ledger.EverHeld(shipment.CustomerId)))
        {
            if (shipment.BillableAt is { } billableAt && shipments.GetValueOrDefault(shipment.ShipmentId)?.PostedAt is { } postedAt)
            {
                grid.Metrics.Latency(RunMetrics.Operations.ProofToPosted, postedAt - billableAt);
            }
        }
    }

    /// <summary>
    /// Checks every item, then again those that still differ, until none does or the deadline has passed; then reports what
    /// the last pass found. <paramref name="status"/> tells the progress display how many have settled.
    /// </summary>
    private async Task UntilSettledAsync<T>(
        List<T> items,
        Func<T, Task<IReadOnlyList<Difference>>> check,
        Func<int, string> status,
        DateTime deadline,
        ConcurrentQueue<Difference> differences,
        CancellationToken cancellationToken)
        where T : notnull
    {
        var pending = items;
        var problems = new ConcurrentDictionary<T, IReadOnlyList<Difference>>();
        while (true)
        {
            Status = status(items.Count - pending.Count);
            problems.Clear();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (item, _) =>
            {
                if (await check(item) is { Count: > 0 } found)
                {
                    problems[item] = found;
                }
            });
            pending = [.. problems.Keys];
            if (pending.Count == 0 || !await PauseAsync(deadline, cancellationToken))
            {
                break;
            }
        }

        foreach (var difference in problems.Values.SelectMany(list => list))
        {
            differences.Enqueue(difference);
        }
    }

    /// <summary>Waits before the next pass; false once the deadline has passed.</summary>
    private static async Task<bool> PauseAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow >= deadline)
        {
            return false;
        }

        await Task.Delay(PollInterval, cancellationToken);
        return true;
    }
}

/// <summary>How long the grid may take to settle, how many reads at once, and the database of the ERP ledger, if any.</summary>
internal sealed record VerifierOptions(TimeSpan Settle, int Concurrency, string? Postgres);

/// <summary>What the verifier last saw of a shipment and its invoice.</summary>
internal sealed record SeenShipment(
    string ShipmentId, string? Status, string? BillingStatus, string? InvoiceNumber, string? InvoiceStatus, decimal? InvoiceTotal, DateTimeOffset? PostedAt);
