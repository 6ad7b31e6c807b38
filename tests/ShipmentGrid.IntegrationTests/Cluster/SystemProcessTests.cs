using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// The system test of PostgreSQL mode (issue 6, point 8): three silo processes and the API, 520 shipments of 24
/// customers with 5 carriers, carrier events over HTTP and through the journal's intake, resent and out of order,
/// customers on credit hold, shipments missing a charge or reporting a delivery exception; one silo killed with
/// SIGKILL while events arrive, then the whole cluster stopped and started again on the same database. Afterwards
/// every read answers, and the shipments, invoices, ERP ledger, service cases, notifications, exception queues and
/// journal agree with what was acknowledged.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class SystemProcessTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Shipments = 520;
    private const int Customers = 24;
    private const int Carriers = 5;
    private const int BatchSize = 250;
    private const int InFlight = 16;
    private const int BookingBatch = 65;

    /// <summary>How long a sender keeps resending one request: covers a failover and a restart on a loaded machine.</summary>
    private static readonly TimeSpan SendDeadline = TimeSpan.FromSeconds(120);

    /// <summary>How long the grid may take to settle after the last acknowledged request.</summary>
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(180);

    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddDays(-3);

    [Fact]
    public async Task After_duplicates_disorder_a_silo_kill_and_a_full_restart_every_read_agrees_with_the_ledger()
    {
        var plan = Enumerable.Range(0, Shipments).Select(index => new PlannedShipment(index)).ToArray();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s  {what}");
        await using var cluster = await FaultCluster.StartAsync(postgres, "system", silos: 3);
        Phase("three silos and the API ready");

        await InParallelAsync(Enumerable.Range(0, Customers), customer => cluster.SendUntilAcknowledgedAsync(
            "api/v1/customers",
            new JsonObject
            {
                ["customerId"] = CustomerId(customer),
                ["name"] = $"System Customer {customer}",
                ["billingCurrency"] = "USD",
                ["creditLimit"] = 100_000_000m,
                ["paymentTermsDays"] = 30,
            },
            SendDeadline));
        await InParallelAsync(Enumerable.Range(0, Customers).Where(OnHoldAtFirst), customer => cluster.SendUntilAcknowledgedAsync(
            $"api/v1/customers/{CustomerId(customer)}/credit-hold", new JsonObject { ["reason"] = "Disputed invoices" }, SendDeadline));
        // A third of the shipments are booked one request each, the rest in batches.
        await InParallelAsync(plan.Where(shipment => !shipment.BookedInBatch), shipment => cluster.SendUntilAcknowledgedAsync(
            "api/v1/shipments", Booking(shipment), SendDeadline));
        var batches = plan.Where(shipment => shipment.BookedInBatch).Chunk(BookingBatch).ToArray();
        await InParallelAsync(batches, batch => BookBatchAsync(cluster, batch, "Booked", "Duplicate"));

        Phase($"{Customers} customers and {Shipments} shipments booked");

        // First half: pickups, proof of delivery before the pickup for some, delivery exceptions; linehaul for every
        // shipment (twice for some), the fuel surcharge early for some.
        await SendEventsAsync(cluster, plan, shipment => shipment.FirstEvents(), crossRoute: false);
        await InParallelAsync(plan.SelectMany(shipment => shipment.FirstCharges()), charge => SendChargeAsync(cluster, charge));

        // Second half, with a silo killed once half of its batches are acknowledged: the rest of the milestones,
        // resent for some and also over the other route for some, then the fuel surcharges still missing.
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var kill = cluster.KillSiloAsync(0, after: halfway.Task);
        await SendEventsAsync(cluster, plan, shipment => shipment.SecondEvents(), crossRoute: false, halfway);
        await kill;
        await SendEventsAsync(cluster, plan, shipment => shipment.Resent ? shipment.SecondEvents() : [], crossRoute: false);
        await SendEventsAsync(cluster, plan, shipment => shipment.CrossRoute ? [shipment.Event("Delivered")] : [], crossRoute: true);
        await InParallelAsync(plan.SelectMany(shipment => shipment.SecondCharges()), charge => SendChargeAsync(cluster, charge));

        Phase("every event and charge acknowledged, a silo killed on the way");

        // Before the restart: every shipment with complete charges invoiced, held for customers on hold.
        await SettleAsync(cluster, plan, released: false);
        Phase("settled before the restart");

        await cluster.RestartAsync();
        Phase("cluster stopped and started again");

        // Senders that never saw an answer send again after the restart: each event and booking is a duplicate by now,
        // the bookings answered by fresh activations that find their stream already written.
        await SendEventsAsync(cluster, plan, shipment => shipment.SecondEvents(), crossRoute: false);
        await InParallelAsync(batches, batch => BookBatchAsync(cluster, batch, "Duplicate"));
        await InParallelAsync(Enumerable.Range(0, Customers).Where(ReleasedAfterRestart), customer =>
            cluster.DeleteUntilAcknowledgedAsync($"api/v1/customers/{CustomerId(customer)}/credit-hold", SendDeadline));
        var invoices = await SettleAsync(cluster, plan, released: true);
        await Eventually.Succeeds(
            async () => await cluster.ReadOkAsync("api/v1/journal/lag") is var lag && (long)lag["events"]! == 0
                ? lag
                : throw new InvalidOperationException($"journal lag: {lag.ToJsonString()}"),
            SettleDeadline,
            "journal reader lag zero");

        Phase("settled after the restart, journal drained");

        var failures = new ConcurrentQueue<string>();
        await AssertLedgerAsync(cluster, plan, invoices, failures);
        await AssertCustomersAsync(cluster, plan, invoices, failures);
        await AssertQueuesAsync(cluster, plan, invoices, failures);
        await AssertKpisAsync(cluster, plan, invoices, failures);
        var lagNow = await cluster.ReadOkAsync("api/v1/journal/lag");
        if ((long)lagNow["events"]! != 0 || (long)lagNow["deadLetters"]! != 0)
        {
            failures.Enqueue($"journal lag after settling: {lagNow.ToJsonString()}");
        }

        foreach (var fault in cluster.Faults())
        {
            failures.Enqueue(fault);
        }

        Phase("every read checked");
        Assert.True(
            failures.IsEmpty,
            $"{failures.Count} failures:\n{string.Join('\n', failures.Take(60))}\n{cluster.Logs()}");
    }

    /// <summary>
    /// Polls every shipment not yet where it should be, until none is left: complete timeline, invoiced with its
    /// invoice Posted (OnHold while its customer is held), or, missing a charge, awaiting charges without an
    /// invoice. Returns the invoices by shipment. Fails with what each straggler showed.
    /// </summary>
    private static async Task<Dictionary<string, JsonNode>> SettleAsync(FaultCluster cluster, PlannedShipment[] plan, bool released)
    {
        var invoices = new ConcurrentDictionary<string, JsonNode>(StringComparer.Ordinal);
        var pending = plan.ToList();
        try
        {
            await Eventually.Succeeds(
                async () =>
                {
                    var seen = new ConcurrentDictionary<PlannedShipment, string>();
                    await InParallelAsync(pending, async shipment =>
                    {
                        if (await ProblemOfAsync(cluster, shipment, released, invoices) is { } problem)
                        {
                            seen[shipment] = problem;
                        }
                    });
                    pending = [.. pending.Where(seen.ContainsKey)];
                    return pending.Count == 0
                        ? true
                        : throw new InvalidOperationException(
                            $"{pending.Count} shipments not settled, e.g.:\n{string.Join('\n', seen.Values.Order(StringComparer.Ordinal).Take(20))}");
                },
                SettleDeadline,
                released ? "every shipment settled after the restart" : "every shipment settled before the restart");
        }
        catch (TimeoutException timeout)
        {
            var (_, lag) = await cluster.ReadAsync("api/v1/journal/lag");
            throw new Xunit.Sdk.XunitException($"{timeout.Message}\n{timeout.InnerException?.Message}\njournal lag: {lag?.ToJsonString()}\n{cluster.Logs()}");
        }

        return new Dictionary<string, JsonNode>(invoices, StringComparer.Ordinal);
    }

    /// <summary>What is wrong with one shipment as the API shows it, or null when it is where it should be.</summary>
    private static async Task<string?> ProblemOfAsync(
        FaultCluster cluster, PlannedShipment shipment, bool released, ConcurrentDictionary<string, JsonNode> invoices)
    {
        var (status, view) = await cluster.ReadAsync($"api/v1/shipments/{shipment.Id}");
        if (view is null)
        {
            return $"{shipment.Id}: GET answered {(int)status}";
        }

        var timeline = view["timeline"]!.AsArray().Select(entry => (string)entry!["eventId"]!).Order(StringComparer.Ordinal).ToArray();
        var expected = shipment.AcknowledgedEventIds().Order(StringComparer.Ordinal).ToArray();
        var summary = $"{shipment.Id} ({shipment.Customer}): status {view["status"]}, billing {view["billingStatus"]}, invoice {view["invoiceNumber"]}, "
            + $"timeline [{string.Join(", ", timeline)}]";
        if (!timeline.SequenceEqual(expected, StringComparer.Ordinal))
        {
            return $"{summary}; expected timeline [{string.Join(", ", expected)}]";
        }

        if ((string?)view["status"] != "ProofOfDelivery")
        {
            return summary;
        }

        var (invoiceStatus, invoice) = await cluster.ReadAsync($"api/v1/shipments/{shipment.Id}/invoice");
        if (shipment.MissingFuel)
        {
            return (string?)view["billingStatus"] == "AwaitingCharges" && view["invoiceNumber"] is null && invoiceStatus == HttpStatusCode.NotFound
                ? null
                : $"{summary}; missing a charge, yet its invoice answered {(int)invoiceStatus} {invoice?.ToJsonString()}";
        }

        var expectedInvoice = shipment.HeldAtEnd(released) ? "OnHold" : "Posted";
        if ((string?)view["billingStatus"] != "Invoiced" || view["invoiceNumber"] is null || invoice is null
            || (string?)invoice["status"] != expectedInvoice || (string?)invoice["invoiceNumber"] != (string?)view["invoiceNumber"])
        {
            return $"{summary}; expected Invoiced with an invoice {expectedInvoice}, the invoice answered {(int)invoiceStatus} {invoice?["invoiceNumber"]} {invoice?["status"]} (ERP {invoice?["erpDocumentNumber"]})";
        }

        if ((decimal)invoice["total"]!["amount"]! != shipment.Linehaul + shipment.Fuel || invoice["lines"]!.AsArray().Count != 2)
        {
            return $"{summary}; expected a total of {(shipment.Linehaul + shipment.Fuel).ToString(CultureInfo.InvariantCulture)} in 2 lines, got {invoice.ToJsonString()}";
        }

        invoices[shipment.Id] = invoice;
        return null;
    }

    /// <summary>Exactly one ERP header and one receivable per posted invoice, under its number and for its total; none for others.</summary>
    private static async Task AssertLedgerAsync(
        FaultCluster cluster, PlannedShipment[] plan, Dictionary<string, JsonNode> invoices, ConcurrentQueue<string> failures)
    {
        var posted = invoices.Values.Where(invoice => (string?)invoice["status"] == "Posted")
            .ToDictionary(invoice => (string)invoice["invoiceNumber"]!, invoice => (decimal)invoice["total"]!["amount"]!, StringComparer.Ordinal);
        var headers = await Sql.QueryAsync(
            cluster.ConnectionString,
            "SELECT invoice_number, shipment_id, total FROM erp_invoice",
            reader => (Number: reader.GetString(0), Shipment: reader.GetString(1), Total: reader.GetDecimal(2)));
        var receivables = await Sql.QueryAsync(
            cluster.ConnectionString,
            "SELECT reference, amount FROM erp_receivable_entry WHERE kind = 'invoice'",
            reader => (Reference: reader.GetString(0), Amount: reader.GetDecimal(1)));
        foreach (var (number, total) in posted)
        {
            var header = headers.Where(row => row.Number == number).ToArray();
            var entries = receivables.Where(row => row.Reference == number).ToArray();
            if (header.Length != 1 || header[0].Total != total || entries.Length != 1 || entries[0].Amount != total)
            {
                failures.Enqueue($"{number} (total {total.ToString(CultureInfo.InvariantCulture)}): ERP headers [{string.Join(", ", header)}], receivables [{string.Join(", ", entries)}]");
            }
        }

        foreach (var stray in headers.Where(row => !posted.ContainsKey(row.Number)))
        {
            failures.Enqueue($"ERP header {stray} for an invoice the grid does not show as Posted: {invoices.GetValueOrDefault(stray.Shipment)?.ToJsonString()}");
        }

        foreach (var stray in receivables.Where(row => !posted.ContainsKey(row.Reference)))
        {
            failures.Enqueue($"receivable {stray} for an invoice the grid does not show as Posted");
        }

        if (receivables.Sum(row => row.Amount) != posted.Values.Sum())
        {
            failures.Enqueue($"receivables total {receivables.Sum(row => row.Amount).ToString(CultureInfo.InvariantCulture)}, posted invoices total {posted.Values.Sum().ToString(CultureInfo.InvariantCulture)}");
        }

        var invoiced = plan.Count(shipment => !shipment.MissingFuel);
        if (invoices.Count != invoiced)
        {
            failures.Enqueue($"{invoices.Count} invoices for {invoiced} shipments with complete charges");
        }
    }

    /// <summary>
    /// Per customer: open receivables equal to its posted invoices, the overview answers, a delivery-exception case and
    /// notification per exception, a delivery confirmation per shipment, a held and a posted notification per invoice
    /// as it went, credit-hold cases open while held and resolved once posted; each notification once.
    /// </summary>
    private static async Task AssertCustomersAsync(
        FaultCluster cluster, PlannedShipment[] plan, Dictionary<string, JsonNode> invoices, ConcurrentQueue<string> failures)
    {
        await InParallelAsync(Enumerable.Range(0, Customers), async customer =>
        {
            var customerId = CustomerId(customer);
            var shipments = plan.Where(shipment => shipment.Customer == customerId).ToArray();
            var customerInvoices = shipments.Where(shipment => invoices.ContainsKey(shipment.Id)).Select(shipment => invoices[shipment.Id]).ToArray();
            var postedTotal = customerInvoices.Where(invoice => (string?)invoice["status"] == "Posted").Sum(invoice => (decimal)invoice["total"]!["amount"]!);
            try
            {
                await Eventually.Succeeds(
                    async () => await cluster.ReadOkAsync($"api/v1/customers/{customerId}") is var profile
                        && (decimal)profile["openReceivables"]!["amount"]! == postedTotal
                        && (bool)profile["creditHold"]! == OnHoldAtEnd(customer)
                            ? profile
                            : throw new InvalidOperationException($"{customerId}: {profile.ToJsonString()}, posted total {postedTotal.ToString(CultureInfo.InvariantCulture)}"),
                    SettleDeadline,
                    $"{customerId}'s receivables and hold");
                await cluster.ReadOkAsync($"api/v1/customers/{customerId}/overview");
                var listed = (await cluster.ReadAllOkAsync($"api/v1/customers/{customerId}/shipments"))
                    .ToDictionary(entry => (string)entry!["shipmentId"]!, entry => entry!, StringComparer.Ordinal);
                foreach (var shipment in shipments)
                {
                    var expectedInvoice = invoices.TryGetValue(shipment.Id, out var billed) ? (string?)billed["invoiceNumber"] : null;
                    if (!listed.TryGetValue(shipment.Id, out var line) || (string?)line["invoiceNumber"] != expectedInvoice
                        || (expectedInvoice is not null && (string?)line["invoiceStatus"] != (string?)billed!["status"]))
                    {
                        failures.Enqueue($"{shipment.Id}: listed for {customerId} as {line?.ToJsonString() ?? "nothing"}, invoice {billed?.ToJsonString() ?? "none"}");
                    }
                }

                if (listed.Count != shipments.Length)
                {
                    failures.Enqueue($"{customerId}: {listed.Count} shipments listed, {shipments.Length} booked");
                }

                var cases = (await cluster.ReadAllOkAsync($"api/v1/customers/{customerId}/service-cases"))
                    .ToDictionary(entry => (string)entry!["caseId"]!, entry => entry!, StringComparer.Ordinal);
                var notifications = (await cluster.ReadAllOkAsync($"api/v1/customers/{customerId}/notifications"))
                    .Select(entry => (Id: (string)entry!["notificationId"]!, Kind: (string)entry["kind"]!, Subject: (string)entry["subject"]!)).ToArray();
                foreach (var duplicate in notifications.GroupBy(entry => entry.Id, StringComparer.Ordinal).Where(group => group.Count() > 1))
                {
                    failures.Enqueue($"{customerId}: notification {duplicate.Key} {duplicate.Count()} times");
                }

                bool Notified(string kind, string subject) => notifications.Any(entry => entry.Kind == kind && entry.Subject == subject);
                foreach (var shipment in shipments)
                {
                    var expectedNotices = new List<(string Kind, string Subject)> { ("DeliveryConfirmed", $"shipment/{shipment.Id}") };
                    if (shipment.DeliveryException)
                    {
                        expectedNotices.Add(("ExceptionOpened", $"shipment/{shipment.Id}"));
                        var caseId = $"CASE-{shipment.Id}-{shipment.ExceptionId}";
                        if (!cases.TryGetValue(caseId, out var serviceCase) || (string?)serviceCase["reason"] != "DeliveryException"
                            || (string?)serviceCase["status"] == "Resolved")
                        {
                            failures.Enqueue($"{shipment.Id}: expected open DeliveryException case {caseId}, got {serviceCase?.ToJsonString() ?? "none"}");
                        }
                    }

                    if (invoices.TryGetValue(shipment.Id, out var invoice))
                    {
                        var number = (string)invoice["invoiceNumber"]!;
                        expectedNotices.Add(((string)invoice["status"]! == "Posted" ? "InvoicePosted" : "InvoiceHeld", $"invoice/{number}"));
                        if (OnHoldAtFirst(customer))
                        {
                            expectedNotices.Add(("InvoiceHeld", $"invoice/{number}"));
                            var creditCase = cases.GetValueOrDefault($"CASE-{number}-credit");
                            var expectedStatus = OnHoldAtEnd(customer) ? "Open" : "Resolved";
                            if ((string?)creditCase?["reason"] != "CreditHold" || (string?)creditCase["status"] != expectedStatus)
                            {
                                failures.Enqueue($"{shipment.Id}: expected a CreditHold case {expectedStatus} for {number}, got {creditCase?.ToJsonString() ?? "none"}");
                            }
                        }
                    }

                    foreach (var (kind, subject) in expectedNotices.Where(notice => !Notified(notice.Kind, notice.Subject)))
                    {
                        failures.Enqueue($"{shipment.Id}: no {kind} notification for {subject} among {customerId}'s {notifications.Length}");
                    }
                }
            }
            catch (Exception exception) when (exception is TimeoutException or Xunit.Sdk.XunitException)
            {
                failures.Enqueue($"{customerId}: {exception.Message} {exception.InnerException?.Message}");
            }
        });
    }

    /// <summary>
    /// The open exception items are exactly what the shipments call for: billing-incomplete for the shipments missing a
    /// charge (none for a billed one), a delivery exception per reported exception, a credit hold per invoice still held,
    /// no ERP failure, no dead letter; and no carrier dead letters.
    /// </summary>
    private static async Task AssertQueuesAsync(
        FaultCluster cluster, PlannedShipment[] plan, Dictionary<string, JsonNode> invoices, ConcurrentQueue<string> failures)
    {
        var expected = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["billing-incomplete"] = [.. plan.Where(shipment => shipment.MissingFuel).Select(shipment => $"shipment/{shipment.Id}")],
            ["delivery-exception"] = [.. plan.Where(shipment => shipment.DeliveryException).Select(shipment => $"shipment/{shipment.Id}/exception/{shipment.ExceptionId}")],
            ["credit-hold"] = [.. invoices.Values.Where(invoice => (string?)invoice["status"] == "OnHold").Select(invoice => $"invoice/{invoice["invoiceNumber"]}")],
            ["erp-failure"] = [],
            ["dead-letter"] = [],
        };
        foreach (var (queue, subjects) in expected)
        {
            var open = (await cluster.ReadAllOkAsync($"api/v1/exceptions?queue={queue}")).Select(item => (string)item!["subject"]!).ToArray();
            foreach (var missing in subjects.Except(open, StringComparer.Ordinal))
            {
                failures.Enqueue($"{queue}: no open item for {missing}");
            }

            foreach (var extra in open.Except(subjects, StringComparer.Ordinal))
            {
                failures.Enqueue($"{queue}: open item for {extra}, which should have none");
            }

            foreach (var twice in open.GroupBy(subject => subject, StringComparer.Ordinal).Where(group => group.Count() > 1))
            {
                failures.Enqueue($"{queue}: {twice.Count()} open items for {twice.Key}");
            }
        }

        foreach (var carrier in Enumerable.Range(1, Carriers).Select(CarrierId))
        {
            var deadLetters = (await cluster.ReadAllOkAsync($"api/v1/carriers/{carrier}/dead-letters"));
            if (deadLetters.Count > 0)
            {
                failures.Enqueue($"{carrier}: {deadLetters.Count} dead letters, e.g. {deadLetters[0]!.ToJsonString()}");
            }
        }
    }

    /// <summary>
    /// KPIs count each fact once across the kill and the restart: per carrier its bookings and delivery exceptions, and
    /// no dead letters; per customer its posted invoices.
    /// </summary>
    private static async Task AssertKpisAsync(
        FaultCluster cluster, PlannedShipment[] plan, Dictionary<string, JsonNode> invoices, ConcurrentQueue<string> failures)
    {
        foreach (var carrier in plan.GroupBy(shipment => shipment.Carrier, StringComparer.Ordinal))
        {
            var card = await cluster.ReadOkAsync($"api/v1/kpis/carriers/{carrier.Key}");
            var expected = (Shipments: carrier.Count(), Exceptions: carrier.Count(shipment => shipment.DeliveryException), DeadLetters: 0);
            var actual = ((int)card["shipments"]!, (int)card["exceptions"]!, (int)card["deadLetters"]!);
            if (actual != expected)
            {
                failures.Enqueue($"{carrier.Key}: scorecard (shipments, exceptions, dead letters) {actual}, expected {expected}");
            }
        }

        foreach (var customer in plan.GroupBy(shipment => shipment.Customer, StringComparer.Ordinal))
        {
            var posted = customer.Count(shipment => invoices.TryGetValue(shipment.Id, out var invoice) && (string?)invoice["status"] == "Posted");
            var kpis = await cluster.ReadOkAsync($"api/v1/kpis/customers/{customer.Key}");
            if ((int)kpis["invoicesPosted"]! != posted)
            {
                failures.Enqueue($"{customer.Key}: {(int)kpis["invoicesPosted"]!} invoices posted in the KPIs, {posted} posted");
            }
        }
    }

    /// <summary>
    /// Sends the chosen events of every shipment in batches: each shipment's over its route (or the other one), the
    /// batches concurrently. <paramref name="halfway"/> is signalled once half of the batches are acknowledged.
    /// </summary>
    private static async Task SendEventsAsync(
        FaultCluster cluster, PlannedShipment[] plan, Func<PlannedShipment, JsonObject[]> events, bool crossRoute, TaskCompletionSource? halfway = null)
    {
        var batches = plan.GroupBy(shipment => shipment.Streamed != crossRoute)
            .SelectMany(route => route.SelectMany(events).Chunk(BatchSize)
                .Select(chunk => (Path: route.Key ? "api/v1/carrier-events/stream" : "api/v1/carrier-events", Events: chunk)))
            .ToArray();
        var acknowledged = 0;
        await InParallelAsync(batches, async batch =>
        {
            await cluster.SendUntilAcknowledgedAsync(batch.Path, new JsonArray(batch.Events), SendDeadline);
            if (Interlocked.Increment(ref acknowledged) * 2 >= batches.Length)
            {
                halfway?.TrySetResult();
            }
        });
        halfway?.TrySetResult();
    }

    private static async Task SendChargeAsync(FaultCluster cluster, (string ShipmentId, JsonObject Charge) charge) =>
        await cluster.SendUntilAcknowledgedAsync($"api/v1/shipments/{charge.ShipmentId}/charges", charge.Charge, SendDeadline);

    private static JsonNode Booking(PlannedShipment shipment) =>
        JsonSerializer.SerializeToNode(SampleBookings.Booking(shipment.Id, shipment.Customer, shipment.Carrier), JsonSerializerOptions.Web)!;

    /// <summary>Books the shipments in one batch request until acknowledged; each booking must answer one of <paramref name="outcomes"/>.</summary>
    private static async Task BookBatchAsync(FaultCluster cluster, PlannedShipment[] batch, params string[] outcomes)
    {
        var answer = await cluster.SendUntilAcknowledgedAsync("api/v1/shipments/batch", new JsonArray([.. batch.Select(Booking)]), SendDeadline);
        var results = JsonNode.Parse(answer)!["results"]!.AsArray();
        Assert.Equal(batch.Select(shipment => shipment.Id), results.Select(result => (string?)result?["shipmentId"]));
        Assert.All(results, result => Assert.Contains((string?)result?["outcome"], outcomes));
    }

    private static Task InParallelAsync<T>(IEnumerable<T> items, Func<T, Task> send) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (item, _) => await send(item));

    private static string CustomerId(int customer) => $"CUST-SYS-{customer:D2}";

    private static string CarrierId(int carrier) => $"CARR-SYS-{carrier}";

    /// <summary>Three customers are on credit hold from the start; two are released after the restart.</summary>
    private static bool OnHoldAtFirst(int customer) => customer < 3;

    private static bool ReleasedAfterRestart(int customer) => customer < 2;

    private static bool OnHoldAtEnd(int customer) => OnHoldAtFirst(customer) && !ReleasedAfterRestart(customer);

    /// <summary>One shipment of the run and what happens to it, all derived from its index.</summary>
    private sealed record PlannedShipment(int Index)
    {
        public string Id => $"SHP-SYS-{Index:D3}";

        public string Customer => CustomerId(CustomerIndex);

        public string Carrier => CarrierId((Index / Customers % Carriers) + 1);

        /// <summary>Its carrier sends through the journal's intake rather than directly.</summary>
        public bool Streamed => Index % 2 == 1;

        /// <summary>Booked in a batch request (POST /shipments/batch) rather than one request of its own.</summary>
        public bool BookedInBatch => Index % 3 != 1;

        public bool DeliveryException => Index % 10 == 3;

        /// <summary>Never gets its fuel surcharge: billing stays incomplete, no invoice.</summary>
        public bool MissingFuel => Index % 13 == 5;

        /// <summary>Proof of delivery arrives first, before the pickup (the exception shipments keep their order: an exception after delivery is refused).</summary>
        public bool ProofFirst => Index % 3 == 0 && !DeliveryException;

        public bool FuelEarly => Index % 4 == 1;

        /// <summary>Its second half of events and its charges are sent twice.</summary>
        public bool Resent => Index % 4 == 0;

        public bool CrossRoute => Index % 5 == 0 && !DeliveryException;

        public decimal Linehaul => 1000m + Index + 0.25m;

        public decimal Fuel => 100m + (Index % 50) + 0.10m;

        public string ExceptionId => $"{Carrier}:{Id}-X";

        private int CustomerIndex => Index % Customers;

        public bool HeldAtEnd(bool released) => released ? OnHoldAtEnd(CustomerIndex) : OnHoldAtFirst(CustomerIndex);

        public JsonObject[] FirstEvents() =>
        [
            .. ProofFirst ? [Event("ProofOfDelivery")] : Array.Empty<JsonObject>(),
            Event("PickedUp"),
            .. DeliveryException ? [Event("X")] : Array.Empty<JsonObject>(),
        ];

        public JsonObject[] SecondEvents() => [Event("InTransit"), Event("Delivered"), Event("ProofOfDelivery")];

        public IEnumerable<string> AcknowledgedEventIds()
        {
            string[] steps = DeliveryException
                ? ["PickedUp", "X", "InTransit", "Delivered", "ProofOfDelivery"]
                : ["PickedUp", "InTransit", "Delivered", "ProofOfDelivery"];
            return steps.Select(step => $"{Id}-{step}");
        }

        public List<(string ShipmentId, JsonObject Charge)> FirstCharges()
        {
            var charges = Enumerable.Repeat((Id, Charge("Linehaul")), Resent ? 2 : 1).ToList();
            if (FuelEarly && !MissingFuel)
            {
                charges.Add((Id, Charge("FuelSurcharge")));
            }

            return charges;
        }

        public IEnumerable<(string ShipmentId, JsonObject Charge)> SecondCharges() =>
            FuelEarly || MissingFuel ? [] : Enumerable.Repeat((Id, Charge("FuelSurcharge")), Resent ? 2 : 1);

        /// <summary>A milestone, or "X" for a delivery exception; the event id is fixed per step, so a resend is a duplicate.</summary>
        public JsonObject Event(string step)
        {
            var body = new JsonObject
            {
                ["eventId"] = $"{Id}-{step}",
                ["carrierId"] = Carrier,
                ["shipmentId"] = Id,
                ["occurredAt"] = Start.AddHours(step switch
                {
                    "PickedUp" => 0,
                    "X" => 10,
                    "InTransit" => 12,
                    "Delivered" => 40,
                    "ProofOfDelivery" => 44,
                    _ => throw new ArgumentOutOfRangeException(nameof(step), step, "Not a step this test sends."),
                }),
            };
            if (step == "X")
            {
                body["deliveryException"] = Index % 20 == 3 ? "Damaged" : "Delayed";
                body["reasonCode"] = "BG";
                body["notes"] = $"Reported for {Id}";
            }
            else
            {
                body["milestone"] = step;
            }

            return body;
        }

        private JsonObject Charge(string type) => new()
        {
            ["chargeId"] = $"{type}-{Id}",
            ["type"] = type,
            ["amount"] = new JsonObject { ["amount"] = type == "Linehaul" ? Linehaul : Fuel, ["currency"] = "USD" },
            ["source"] = type == "Linehaul" ? "Rating" : "CarrierInvoice",
            ["sourceReference"] = $"REF-{Id}",
        };
    }
}
