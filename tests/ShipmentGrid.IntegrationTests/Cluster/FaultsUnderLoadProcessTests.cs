using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Erp;
using ShipmentGrid.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// Faults under load, one after another on one fault cluster (issue 9, point 3): three silos, each in a network namespace
/// the test builds, the API, a remote ERP and PostgreSQL, while partners' senders keep sending carrier events to two dozen
/// shipments. In turn: SIGKILL of one silo and its restart; a PostgreSQL restart (503 with Retry-After while it is away,
/// never another 5xx); one silo cut off from its peers and the database until the cluster declares it dead, then healed
/// (its journal writer is fenced: nothing it still runs commits after the declaration); an ERP outage while invoices fall
/// due; a rolling restart of every silo. Then every acknowledged event is on its shipment's timeline once and the
/// timeline equals the journal, every invoice is posted once, and no row of a fenced writer is younger than its fence.
/// How soon every shipment took events again after each fault is measured from the database's own clock (the first
/// journal row of each shipment after the fault) and written to the output; the test fails only past a generous bound.
/// </summary>
public sealed class FaultsUnderLoadProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Senders = 6;
    private const int ShipmentsPerSender = 4;
    private const int ErpOutageShipments = 8;
    private const string Customer = "C-FUL";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(75);

    private readonly ConcurrentDictionary<string, string> acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> sent = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> failures = new();
    private readonly List<string> recoveries = [];
    private IsolatedNetwork network = null!;
    private PostgresServer postgres = null!;
    private int unavailable;

    public async Task InitializeAsync()
    {
        network = await IsolatedNetwork.CreateAsync();
        postgres = PostgresServer.Dedicated(alsoListenOn: network.HostAddress);
        await postgres.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await postgres.DisposeAsync();
        await network.DisposeAsync();
    }

    [Fact]
    public async Task Kill_database_restart_isolation_erp_outage_and_rolling_restart_under_load_lose_and_duplicate_nothing()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s  {what} ({acknowledged.Count} acknowledged)");
        await using var erp = await FakeErp.StartAsync(network.HostAddress);
        var siloSettings = ErpSettings.For(erp).ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value!);
        siloSettings["Billing__ReminderPeriod"] = "00:00:02";
        siloSettings["Billing__RetryFirstDelay"] = "00:00:01";
        siloSettings["Billing__RetryLongestDelay"] = "00:00:02";
        await using var cluster = await FaultCluster.StartAsync(postgres, "faults", 3, siloSettings: siloSettings, network: network);
        using var http = TestKeys.AdminClient(cluster.ApiAddress, TimeSpan.FromSeconds(45));
        await cluster.SendUntilAcknowledgedAsync("api/v1/customers", new JsonObject
        {
            ["customerId"] = Customer, ["name"] = "Faults Co", ["billingCurrency"] = "USD", ["creditLimit"] = 10_000_000m, ["paymentTermsDays"] = 30,
        }, Deadline);
        var shipments = Enumerable.Range(0, Senders * ShipmentsPerSender).Select(index => $"S-FUL-{index:D2}").ToArray();
        foreach (var shipment in shipments)
        {
            await BookBillableAsync(cluster, shipment);
        }

        Phase("three silos in their namespaces, the API and 24 billable shipments ready");
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, Senders)
            .Select(sender => Task.Run(() => SendAsync(http, sender, shipments.Skip(sender * ShipmentsPerSender).Take(ShipmentsPerSender).ToArray(), stop.Token)))
            .ToArray();
        await MoreAcknowledgedAsync(100, "events acknowledged before the first fault", cluster);

        // 1. SIGKILL of one silo of three: the survivors take its shipments over; then it starts again.
        var killedAt = await NowAsync(cluster);
        await cluster.KillSiloAsync(2);
        Phase("silo 3 killed");
        await MoreAcknowledgedAsync(40, "events acknowledged after the kill", cluster);
        await cluster.RestartSiloAsync(2);
        await RecoveryAsync(cluster, "SIGKILL of one silo of three", killedAt, shipments);
        Phase("silo 3 back");

        // 2. PostgreSQL restart: 503 with Retry-After while it is away, nothing acknowledged is lost.
        await postgres.StopServerAsync();
        Phase("database stopped");
        await UntilAsync(() => Volatile.Read(ref unavailable) >= 10, "503 answers while the database is away", cluster);
        await postgres.StartServerAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
        var databaseBack = await NowAsync(cluster);
        Phase($"database started again after {Volatile.Read(ref unavailable)} answers of 503");
        await MoreAcknowledgedAsync(40, "events acknowledged after the database restart", cluster);
        await RecoveryAsync(cluster, "PostgreSQL restart (from the server's start)", databaseBack, shipments);

        // 3. One silo cut off from its peers and the database: declared dead, fenced, and after the heal it commits nothing.
        var isolated = await network.PlaceAsync(1);
        var isolatedAt = await NowAsync(cluster);
        await cluster.IsolateSiloAsync(1);
        Phase("silo 2 cut off");
        var fencedAt = await WithMembershipOnFailureAsync(cluster, () => Eventually.Succeeds(
            async () => (await Sql.QueryAsync(
                    cluster.ConnectionString,
                    """
                    SELECT w.fenced_at FROM membership_silo m
                    JOIN journal_writer w ON w.name = m.address || ':' || m.port || '@' || m.generation
                    WHERE m.address = @address AND m.status = 6 AND w.fenced_at IS NOT NULL
                    """,
                    reader => reader.GetFieldValue<DateTimeOffset>(0),
                    ("address", isolated.Address))).SingleOrDefault() is { } at && at != default
                ? at
                : throw new InvalidOperationException("silo 2 not declared dead yet"),
            Deadline,
            "silo 2 declared dead and its journal writer fenced"));
        Phase($"silo 2 declared dead {(fencedAt - isolatedAt).TotalSeconds:F1} s after it was cut off");
        await MoreAcknowledgedAsync(40, "events acknowledged while silo 2 is cut off", cluster);
        await RecoveryAsync(cluster, "one silo of three cut off (from the cut)", isolatedAt, shipments);
        var writtenBeforeHeal = await RowsOfAsync(cluster, isolated.Address);
        await cluster.HealSiloAsync(1);
        Phase("silo 2 connected again");
        await Eventually.Holds(() => Task.FromResult(cluster.Silos[1].HasExited), Deadline, "silo 2 stopping once it learns it was declared dead");
        Phase("silo 2 learned it was declared dead and stopped");
        Assert.Equal(writtenBeforeHeal, await RowsOfAsync(cluster, isolated.Address));
        await cluster.RestartSiloAsync(1);
        Phase("silo 2 back as a new generation");

        // 4. An ERP outage while invoices fall due: they wait and retry, and post once each when it is back.
        erp.Outage = 503;
        var dueInOutage = Enumerable.Range(0, ErpOutageShipments).Select(index => $"S-FUL-ERP-{index}").ToArray();
        foreach (var shipment in dueInOutage)
        {
            await BookBillableAsync(cluster, shipment);
            await DeliverAsync(cluster, shipment);
        }

        await Eventually.Holds(
            async () => (await cluster.ReadAllOkAsync("api/v1/exceptions?queue=erp-failure")).Count >= ErpOutageShipments,
            Deadline,
            "an erp-failure item per invoice due during the outage");
        Assert.Equal(0, erp.Created);
        erp.Outage = null;
        var erpBack = await NowAsync(cluster);
        Phase("ERP back after its outage");
        await PostedAsync(cluster, dueInOutage);
        output.WriteLine($"       recovery: ERP outage, every invoice due in it posted {(await NowAsync(cluster) - erpBack).TotalSeconds:F1} s after the ERP came back");

        // 5. A rolling restart of every silo under load: SIGTERM, a clean exit, a new process, the next one.
        var rollingFrom = await NowAsync(cluster);
        for (var silo = 0; silo < 3; silo++)
        {
            await cluster.ReplaceSiloGracefullyAsync(silo);
            await MoreAcknowledgedAsync(40, $"events acknowledged after silo {silo + 1} was replaced", cluster);
        }

        await RecoveryAsync(cluster, "rolling restart of three silos (from its start)", rollingFrom, shipments);
        Phase("rolling restart done");
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        Phase($"senders stopped, {sent.Count} events sent");

        foreach (var shipment in shipments)
        {
            await DeliverAsync(cluster, shipment);
        }

        var invoices = await PostedAsync(cluster, [.. shipments, .. dueInOutage]);
        await CheckTimelinesAsync(cluster, shipments);
        foreach (var (shipment, invoice) in invoices)
        {
            var number = (string)invoice["invoiceNumber"]!;
            if ((string?)invoice["erpDocumentNumber"] != erp.DocumentOf(number))
            {
                failures.Enqueue($"{shipment}: invoice {number} holds ERP document {invoice["erpDocumentNumber"]}, the ERP {erp.DocumentOf(number)}");
            }
        }

        if (erp.Created != invoices.Count)
        {
            failures.Enqueue($"the ERP created {erp.Created} documents for {invoices.Count} invoices");
        }

        var lateRows = await Sql.QueryAsync(
            cluster.ConnectionString,
            """
            SELECT w.name || ': ' || count(*) FROM event_journal j JOIN journal_writer w ON w.id = j.writer
            WHERE w.fenced_at IS NOT NULL AND j.recorded_at > w.fenced_at GROUP BY w.name
            UNION ALL
            SELECT 'checkpoint of partition ' || c.partition || ' by ' || w.name FROM journal_checkpoint c JOIN journal_writer w ON w.id = c.writer
            WHERE w.fenced_at IS NOT NULL AND c.updated_at > w.fenced_at
            """,
            reader => reader.GetString(0));
        foreach (var late in lateRows)
        {
            failures.Enqueue($"written after its writer was fenced: {late}");
        }

        foreach (var fault in cluster.Faults())
        {
            failures.Enqueue(fault);
        }

        foreach (var recovery in recoveries)
        {
            output.WriteLine($"       recovery: {recovery}");
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failures:\n{string.Join('\n', failures.Take(30))}\n{cluster.Logs()}");
    }

    private static JsonNode Json<T>(T value) => System.Text.Json.JsonSerializer.SerializeToNode(value, System.Text.Json.JsonSerializerOptions.Web)!;

    private static async Task BookBillableAsync(FaultCluster cluster, string shipment)
    {
        await cluster.SendUntilAcknowledgedAsync("api/v1/shipments", Json(SampleBookings.Booking(shipment, Customer)), Deadline);
        foreach (var (chargeId, type, amount) in new[] { ("LH", "LINEHAUL", 1000m), ("FS", "FUEL_SURCHARGE", 90m) })
        {
            await cluster.SendUntilAcknowledgedAsync($"api/v1/shipments/{shipment}/charges", new JsonObject
            {
                ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" }, ["source"] = "Rating",
            }, Deadline);
        }
    }

    private static async Task DeliverAsync(FaultCluster cluster, string shipment) =>
        await cluster.SendUntilAcknowledgedAsync("api/v1/carrier-events", new JsonObject
        {
            ["eventId"] = $"{shipment}-POD", ["carrierId"] = "CARR-1", ["shipmentId"] = shipment, ["milestone"] = "ProofOfDelivery",
            ["occurredAt"] = DateTimeOffset.UtcNow.AddMinutes(-5),
        }, Deadline);

    /// <summary>Each shipment's invoice once it reads Posted with an ERP document.</summary>
    private static Task<Dictionary<string, JsonNode>> PostedAsync(FaultCluster cluster, string[] shipments) =>
        Eventually.Succeeds(
            async () =>
            {
                var invoices = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
                foreach (var shipment in shipments)
                {
                    var (status, invoice) = await cluster.ReadAsync($"api/v1/shipments/{shipment}/invoice");
                    if (status != HttpStatusCode.OK || (string?)invoice?["status"] != "Posted")
                    {
                        throw new InvalidOperationException($"{shipment}'s invoice is not posted yet ({(int)status} {invoice?["status"]})");
                    }

                    invoices[shipment] = invoice!;
                }

                return invoices;
            },
            Deadline,
            "every due invoice posted");

    /// <summary>
    /// Every acknowledged event is on its shipment's timeline once, nothing that was never sent is, and the timeline holds
    /// exactly the carrier events the journal holds for the shipment (the state served equals the journal's).
    /// </summary>
    private async Task CheckTimelinesAsync(FaultCluster cluster, string[] shipments)
    {
        foreach (var shipment in shipments)
        {
            var view = await cluster.ReadOkAsync($"api/v1/shipments/{shipment}");
            var timeline = view["timeline"]!.AsArray().Select(entry => (string)entry!["eventId"]!).ToList();
            var missing = acknowledged.Where(pair => pair.Value == shipment && !timeline.Contains(pair.Key)).Select(pair => pair.Key).ToList();
            var twice = timeline.GroupBy(id => id, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
            var foreign = timeline.Where(id => !sent.ContainsKey(id) && id != $"{shipment}-POD").ToList();
            if (missing.Count + twice.Count + foreign.Count > 0)
            {
                failures.Enqueue($"{shipment}: missing [{string.Join(", ", missing)}], twice [{string.Join(", ", twice)}], never sent [{string.Join(", ", foreign)}]");
            }

            var journaled = (await Sql.QueryAsync(
                cluster.ConnectionString,
                "SELECT count(*) FROM event_journal WHERE stream_id = @stream AND event_type = 'MilestoneRecorded'",
                reader => reader.GetInt64(0),
                ("stream", $"shipment/{shipment}"))).Single();
            if (journaled != timeline.Count)
            {
                failures.Enqueue($"{shipment}: the timeline holds {timeline.Count} carrier events, the journal {journaled}");
            }
        }
    }

    /// <summary>
    /// How long after <paramref name="from"/> (the database's clock) every shipment took an event again: the latest of the
    /// shipments' first journal rows after it. Recorded for the output; past the generous bound it is a failure.
    /// </summary>
    private async Task RecoveryAsync(FaultCluster cluster, string fault, DateTimeOffset from, string[] shipments)
    {
        var recovered = await Eventually.Succeeds(
            async () =>
            {
                var firsts = await Sql.QueryAsync(
                    cluster.ConnectionString,
                    """
                    SELECT s.stream_id, (SELECT min(j.recorded_at) FROM event_journal j WHERE j.stream_id = s.stream_id AND j.recorded_at > @from)
                    FROM unnest(@streams) AS s (stream_id)
                    """,
                    reader => reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1),
                    ("from", from),
                    ("streams", shipments.Select(shipment => $"shipment/{shipment}").ToArray()));
                return firsts.All(first => first is not null)
                    ? firsts.Max(first => first!.Value)
                    : throw new InvalidOperationException($"{firsts.Count(first => first is null)} shipments have taken no event since {from:O}");
            },
            Deadline,
            $"every shipment taking events again after: {fault}");
        var took = recovered - from;
        recoveries.Add(string.Create(CultureInfo.InvariantCulture, $"{fault}: every shipment took events again within {took.TotalSeconds:F1} s"));
        if (took > RecoveryBound)
        {
            failures.Enqueue($"{fault}: shipments took events again only after {took.TotalSeconds:F1} s (bound {RecoveryBound.TotalSeconds} s)");
        }
    }

    /// <summary>A wait on the membership that, timed out, fails with the membership and writer rows and the cluster's logs.</summary>
    private static async Task<T> WithMembershipOnFailureAsync<T>(FaultCluster cluster, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException timeout)
        {
            var rows = await Sql.QueryAsync(
                cluster.ConnectionString,
                """
                SELECT m.address || ':' || m.port || '@' || m.generation || ' status ' || m.status || ' suspects ' || coalesce(m.suspect_times, '-')
                    || ' writer fenced ' || coalesce(w.fenced_at::text, '-')
                FROM membership_silo m LEFT JOIN journal_writer w ON w.name = m.address || ':' || m.port || '@' || m.generation
                """,
                reader => reader.GetString(0));
            throw new Xunit.Sdk.XunitException($"{timeout.Message}\nmembership:\n{string.Join('\n', rows)}\n{cluster.Logs(60)}");
        }
    }

    private static async Task<DateTimeOffset> NowAsync(FaultCluster cluster) =>
        (await Sql.QueryAsync(cluster.ConnectionString, "SELECT now()", reader => reader.GetFieldValue<DateTimeOffset>(0))).Single();

    /// <summary>
    /// Journal rows appended by the silo at <paramref name="address"/> (every generation of it), and checkpoints it moved
    /// after its writer was fenced. Not every checkpoint it holds: a survivor that takes over one of its partitions moves
    /// that checkpoint under its own writer, so that count may fall.
    /// </summary>
    private static async Task<long> RowsOfAsync(FaultCluster cluster, string address) =>
        (await Sql.QueryAsync(
            cluster.ConnectionString,
            """
            SELECT (SELECT count(*) FROM event_journal j JOIN journal_writer w ON w.id = j.writer WHERE w.name LIKE @prefix)
                 + (SELECT count(*) FROM journal_checkpoint c JOIN journal_writer w ON w.id = c.writer
                    WHERE w.name LIKE @prefix AND c.updated_at > w.fenced_at)
            """,
            reader => reader.GetInt64(0),
            ("prefix", address + ":%"))).Single();

    private Task MoreAcknowledgedAsync(int more, string what, FaultCluster cluster)
    {
        var target = acknowledged.Count + more;
        return UntilAsync(() => acknowledged.Count >= target, what, cluster);
    }

    /// <summary>
    /// One partner's sender: each request (two in-transit events for one shipment) is sent until acknowledged; a 503 must
    /// carry Retry-After and is sent again after it, anything else outside 2xx is a failure. Stops between requests when told to.
    /// </summary>
    private async Task SendAsync(HttpClient http, int sender, string[] shipments, CancellationToken stop)
    {
        for (var request = 0; !stop.IsCancellationRequested; request++)
        {
            var shipment = shipments[request % shipments.Length];
            var ids = new[] { $"E-{sender}-{request}-a", $"E-{sender}-{request}-b" };
            foreach (var id in ids)
            {
                sent[id] = shipment;
            }

            var body = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject
            {
                ["eventId"] = id, ["carrierId"] = "CARR-1", ["shipmentId"] = shipment, ["milestone"] = "InTransit",
                ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
            })]);
            while (true)
            {
                HttpResponseMessage response;
                try
                {
                    response = await http.PostAsJsonAsync(new Uri("api/v1/carrier-events", UriKind.Relative), body, CancellationToken.None);
                }
                catch (HttpRequestException)
                {
                    continue;
                }
                catch (TaskCanceledException)
                {
                    failures.Enqueue($"{shipment}: a request got no answer within the client's timeout");
                    continue;
                }

                using (response)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken.None))!["results"]!.AsArray();
                        foreach (var result in results.Where(result => (string?)result!["outcome"] is "Accepted" or "Duplicate"))
                        {
                            acknowledged[(string)result!["eventId"]!] = shipment;
                        }

                        break;
                    }

                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } retryAfter)
                    {
                        // A well-behaved partner waits as long as the grid asked before sending again.
                        Interlocked.Increment(ref unavailable);
                        await Task.Delay(retryAfter, CancellationToken.None);
                        continue;
                    }

                    failures.Enqueue($"{shipment}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                    if (failures.Count > 50)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>Waits for <paramref name="condition"/>; a timeout fails with what the senders saw and the cluster's logs.</summary>
    private async Task UntilAsync(Func<bool> condition, string what, FaultCluster cluster)
    {
        try
        {
            await Eventually.Holds(() => Task.FromResult(condition()), Deadline, what);
        }
        catch (TimeoutException timeout)
        {
            throw new Xunit.Sdk.XunitException(
                $"{timeout.Message} ({acknowledged.Count} acknowledged, {Volatile.Read(ref unavailable)} answers of 503)\n{string.Join('\n', failures.Take(20))}\n{cluster.Logs()}");
        }
    }
}
