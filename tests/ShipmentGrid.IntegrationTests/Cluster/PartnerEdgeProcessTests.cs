using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.IntegrationTests.Webhooks;
using ShipmentGrid.Shipments;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// The partner edge of PostgreSQL mode across a SIGKILL and a full restart: two silos and the API, a carrier on EDI X12
/// (its own sender id and SCAC) reporting by PRO or bill of lading right after each booking, statuses for shipments not
/// booked yet, freight invoices, JSON events for unknown shipments and a CRM webhook. One silo is killed while
/// interchanges arrive (a partner that hears nothing sends again; later interchanges go twice at once), every interchange
/// is sent again (its answer may have been lost), the cluster is restarted and sent everything once more. Afterwards,
/// through the API only: every copy was answered alike, interchanges and their 997s read back by control number, each
/// status is on its shipment's timeline once, every reference finds its shipment, the dead letters are exactly the
/// unbookable statuses and events (and replay once, discard with a reason), scorecards count each fact once, and every
/// notification reached the CRM signed.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class PartnerEdgeProcessTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Shipments = 40;
    private const int PerInterchange = 4;
    private const int Unbooked = 4;
    private const int InFlight = 4;
    private const string Carrier = "K-EDGE";
    private const string Scac = "KEDG";
    private const string SenderId = "987654321";
    private const string JsonCarrier = "K-EDGE-JSON";
    private const string Hook = "edge";
    private const string DiscardReason = "Shipment cancelled by the shipper";

    /// <summary>How long a sender keeps resending one request: covers the failover and the restart on a loaded machine.</summary>
    private static readonly TimeSpan SendDeadline = TimeSpan.FromSeconds(90);

    /// <summary>How long a partner waits for an answer before it sends again; a call caught by the kill may hang longer.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a read after the restart, or the CRM's deliveries, may take to come right.</summary>
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(60);

    /// <summary>JSON events of another carrier for shipments nobody books: the first is discarded, the second replayed in vain.</summary>
    private static readonly string[] JsonEventIds = ["J-EDGE-0", "J-EDGE-1", "J-EDGE-2"];

    private static readonly string Day = DateTime.UtcNow.AddDays(-2).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static readonly X12Status[] KnownStatuses =
    [
        new("AF", "NS", "0800", "Chicago*IL", "PickedUp"),
        new("X6", "NS", "1200", "Springfield*MO", "InTransit"),
        new("SD", "AO", "1400", "Tulsa*OK", "Delayed"),
        new("D1", "NS", "1800", "Dallas*TX", "Delivered"),
    ];

    [Fact]
    public async Task Interchanges_timelines_references_dead_letters_and_webhooks_survive_a_silo_kill_and_a_full_restart()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s  {what}");
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var cluster = await FaultCluster.StartAsync(postgres, "partner_edge", silos: 2, new Dictionary<string, string>
        {
            ["Webhooks__AllowedHosts__0"] = "127.0.0.1",
            ["Webhooks__PollInterval"] = "00:00:00.100",
            ["Webhooks__AttemptTimeout"] = "00:00:02",
            ["Webhooks__RetryBaseDelay"] = "00:00:01",
        });
        Phase("two silos and the API ready");

        var plan = Enumerable.Range(0, Shipments).Select(index => new Planned(index)).ToArray();
        var unbooked = Enumerable.Range(0, Unbooked).Select(index => new Planned(index, Unbookable: true)).ToArray();
        var secret = await OnboardAsync(cluster, receiver);
        var failures = new ConcurrentQueue<string>();
        var answers = new ConcurrentDictionary<string, JsonNode>(StringComparer.Ordinal);

        // Each group is booked and at once reported on by PRO (or bill of lading) alone; a silo dies once half are acknowledged.
        var groups = plan.Chunk(PerInterchange).Select((group, index) => (Shipments: group, First: FirstInterchange(index, group))).ToArray();
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var kill = cluster.KillSiloAsync(0, after: halfway.Task);
        var acknowledged = 0;
        await InParallelAsync(groups, async group =>
        {
            foreach (var shipment in group.Shipments)
            {
                await BookAsync(cluster, shipment);
            }

            answers[group.First.Control] = await SendAsync(cluster, group.First);
            if (Interlocked.Increment(ref acknowledged) * 2 >= groups.Length)
            {
                halfway.TrySetResult();
            }
        });
        halfway.TrySetResult();
        Phase("every group booked and reported on, silo-1 killed on the way");

        // While the survivor takes over, each sent twice at once: deliveries and delays (with a malformed set now and then),
        // statuses for shipments nobody booked, freight invoices (one whose total contradicts its lines); then JSON events
        // for unknown shipments.
        Interchange[] later =
        [
            .. groups.Select((group, index) => SecondInterchange(index, group.Shipments)),
            UnbookedInterchange(unbooked),
            .. plan.Where(shipment => shipment.Invoiced).Chunk(5).Select((invoiced, index) => InvoiceInterchange(index, invoiced)),
        ];
        await InParallelAsync(later, async interchange =>
        {
            // Two copies at once, as from a partner whose client retried while the first was under way: answered alike.
            var copies = await Task.WhenAll(SendAsync(cluster, interchange), SendAsync(cluster, interchange));
            if (!JsonNode.DeepEquals(copies[0], copies[1]))
            {
                failures.Enqueue($"interchange {interchange.Control}: two copies sent at once answered {Digest(copies[0])} and {Digest(copies[1])}");
            }

            answers[interchange.Control] = copies[0];
        });
        var jsonAnswer = await PostAsync(cluster, "api/v1/carrier-events", new JsonArray([.. JsonEventIds.Select(JsonEvent)]).ToJsonString(), "application/json");
        await kill;
        Interchange[] all = [.. groups.Select(group => group.First), .. later];
        Phase($"{Shipments} shipments booked, {all.Length} interchanges and {JsonEventIds.Length} JSON events acknowledged");

        CheckAnswers(all, answers, plan, unbooked, failures);
        foreach (var result in jsonAnswer["results"]!.AsArray().Where(result => (string?)result!["outcome"] != "Rejected"))
        {
            failures.Enqueue($"JSON event for an unknown shipment answered {result!.ToJsonString()}");
        }

        // A sender that never saw an answer sends the same interchange again: answered as before, not processed twice.
        await ResendAllAsync(cluster, all, answers, "after the kill", failures);
        await cluster.RestartAsync();
        Phase("cluster stopped and started again");
        await ResendAllAsync(cluster, all, answers, "after the restart", failures);
        Phase("every interchange sent again twice");

        await CheckStoredInterchangesAsync(cluster, all, answers, failures);
        await CheckShipmentsAsync(cluster, plan, answers, failures);
        await CheckDeadLettersAsync(cluster, unbooked, open: [.. unbooked.Select(shipment => (Carrier, shipment.Id))], failures, "before the replay");
        await CheckedAsync(failures, "replay and discard", () => FixAndReplayAsync(cluster, unbooked, answers, failures));
        await CheckShipmentsAsync(cluster, unbooked, answers, failures);
        await CheckDeadLettersAsync(cluster, unbooked, open: [], failures, "after the replay");
        await CheckedAsync(failures, "carrier scorecards", () => CheckScorecardsAsync(cluster, plan));
        Phase("interchanges, shipments, references, dead letters and scorecards checked");

        await CheckedAsync(failures, "webhooks", () => CheckWebhooksAsync(cluster, receiver, secret, plan, failures));
        Phase("webhooks checked");

        foreach (var fault in cluster.Faults())
        {
            failures.Enqueue(fault);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failures:\n{string.Join('\n', failures.Take(100))}\n{cluster.Logs()}");
    }

    /// <summary>The carrier (SCAC, EDI sender id, time zone), three customers, and a CRM subscribed to deliveries and exceptions; the signing secret.</summary>
    private static async Task<(string SubscriptionId, string Secret)> OnboardAsync(FaultCluster cluster, WebhookReceiver receiver)
    {
        var profile = new JsonObject
        {
            ["carrierId"] = Carrier, ["scac"] = Scac, ["name"] = "Edge Freight",
            ["milestoneCodes"] = new JsonObject(), ["exceptionCodes"] = new JsonObject(), ["chargeCodes"] = new JsonObject(),
            ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
            ["timeZone"] = "America/Chicago", ["ediSenderIds"] = new JsonArray(SenderId),
        };
        await cluster.SendUntilAcknowledgedAsync(HttpMethod.Put, $"api/v1/carriers/{Carrier}", profile.ToJsonString(), "application/json", SendDeadline);
        foreach (var customer in Enumerable.Range(0, 3).Select(CustomerId))
        {
            await cluster.SendUntilAcknowledgedAsync("api/v1/customers", JsonSerializer.SerializeToNode(SampleBookings.Customer(customer), JsonSerializerOptions.Web)!, SendDeadline);
        }

        var subscription = JsonNode.Parse(await cluster.SendUntilAcknowledgedAsync(
            "api/v1/webhooks",
            new JsonObject { ["url"] = receiver.UrlOf(Hook), ["eventTypes"] = new JsonArray("DeliveryConfirmed", "ExceptionOpened"), ["description"] = "Edge CRM" },
            SendDeadline))!;
        return ((string)subscription["subscription"]!["subscriptionId"]!, (string)subscription["secret"]!);
    }

    /// <summary>
    /// What each interchange answered when first acknowledged: its sets as planned; every status of a booked shipment
    /// found by its reference (accepted, or a duplicate when a first attempt had got through before the silo died), every
    /// status of an unbooked one refused as not booked; every invoice line applied, none of the refused invoice.
    /// </summary>
    private static void CheckAnswers(
        Interchange[] all, ConcurrentDictionary<string, JsonNode> answers, Planned[] plan, Planned[] unbooked, ConcurrentQueue<string> failures)
    {
        foreach (var interchange in all)
        {
            var answer = answers[interchange.Control];
            if (SetCounts(answer) != interchange.Sets)
            {
                failures.Enqueue($"interchange {interchange.Control} ({interchange.What}): sets (accepted, rejected, refused) {SetCounts(answer)}, expected {interchange.Sets}");
            }

            var events = answer["events"]!.AsArray().Select(result => (Shipment: (string?)result!["shipmentId"], Outcome: (string)result["outcome"]!)).ToArray();
            var expected = interchange.Statuses.Select(status => status.Shipment).Order(StringComparer.Ordinal).ToArray();
            var found = events.Where(result => result.Outcome is "Accepted" or "Duplicate").Select(result => result.Shipment!).Order(StringComparer.Ordinal).ToArray();
            var refused = events.Count(result => result.Outcome == "Rejected");
            var expectedRefused = interchange.Statuses.Count(status => unbooked.Any(shipment => shipment.Id == status.Shipment));
            if (!found.SequenceEqual(expected.Where(id => plan.Any(shipment => shipment.Id == id)), StringComparer.Ordinal) || refused != expectedRefused)
            {
                failures.Enqueue($"interchange {interchange.Control} ({interchange.What}): events {answer["events"]!.ToJsonString()}, expected statuses of [{string.Join(", ", expected)}]");
            }

            var charges = answer["charges"]!.AsArray().Select(result => (string)result!["outcome"]!).ToArray();
            if (charges.Length != interchange.Charges || charges.Any(outcome => outcome is not ("Applied" or "Duplicate")))
            {
                failures.Enqueue($"interchange {interchange.Control} ({interchange.What}): charges {answer["charges"]!.ToJsonString()}, expected {interchange.Charges} applied");
            }
        }
    }

    /// <summary>Every interchange sent again: answered exactly as the first time (from the kept interchange, not processed again).</summary>
    private static async Task ResendAllAsync(
        FaultCluster cluster, Interchange[] all, ConcurrentDictionary<string, JsonNode> answers, string when, ConcurrentQueue<string> failures) =>
        await InParallelAsync(all, async interchange =>
        {
            var again = await SendAsync(cluster, interchange);
            if (!JsonNode.DeepEquals(again, answers[interchange.Control]))
            {
                var first = answers[interchange.Control];
                var acknowledgement = (string?)again["acknowledgement"] == (string?)first["acknowledgement"] ? "the same 997" : "another 997";
                failures.Enqueue($"interchange {interchange.Control} resent {when} answered {Digest(again)} with {acknowledgement}; first {Digest(first)}");
            }
        });

    /// <summary>Each interchange by carrier and control number: the raw X12 as sent, the 997 and summary as answered, the 997's AK9 counts.</summary>
    private static async Task CheckStoredInterchangesAsync(
        FaultCluster cluster, Interchange[] all, ConcurrentDictionary<string, JsonNode> answers, ConcurrentQueue<string> failures) =>
        await InParallelAsync(all, interchange => CheckedAsync(failures, $"interchange {interchange.Control} read back", async () =>
        {
            var stored = await ReadSettledAsync(cluster, $"api/v1/edi/{Carrier}/{interchange.Control}");
            var answer = answers[interchange.Control];
            var acknowledgement = (string?)stored["acknowledgement"] ?? string.Empty;
            var (accepted, rejected, refused) = interchange.Sets;
            var sets = accepted + rejected + refused;
            var ak9 = $"AK9*{(rejected == 0 ? "A" : "P")}*{sets}*{sets}*{accepted + refused}~";
            if ((string?)stored["raw"] != interchange.Raw || acknowledgement != (string?)answer["acknowledgement"]
                || !JsonNode.DeepEquals(stored["summary"], answer) || !acknowledgement.Contains(ak9, StringComparison.Ordinal)
                || SetCounts(stored["summary"]!) != interchange.Sets)
            {
                var same = (Raw: (string?)stored["raw"] == interchange.Raw, Acknowledgement: acknowledgement == (string?)answer["acknowledgement"]);
                failures.Enqueue($"interchange {interchange.Control} ({interchange.What}) read back with (the raw X12, the 997) as sent and answered: {same}, "
                    + $"sets {SetCounts(stored["summary"]!)} expected {interchange.Sets} with {ak9}, {Digest(stored["summary"]!)}; answered {Digest(answer)}");
            }
        }));

    /// <summary>
    /// Every shipment after the restart: its timeline holds each status sent for it exactly once, all from EDI, under the
    /// event ids the interchanges answered; its status follows them; the freight invoice's charges (only those) are on
    /// it; and its PRO, bill of lading and purchase order each find it alone.
    /// </summary>
    private static async Task CheckShipmentsAsync(
        FaultCluster cluster, Planned[] shipments, ConcurrentDictionary<string, JsonNode> answers, ConcurrentQueue<string> failures)
    {
        var answeredIds = answers.Values.SelectMany(answer => answer["events"]!.AsArray())
            .Where(result => (string?)result!["outcome"] is "Accepted" or "Duplicate")
            .ToLookup(result => (string)result!["shipmentId"]!, result => (string)result!["eventId"]!, StringComparer.Ordinal);
        await InParallelAsync(shipments, async shipment =>
        {
            try
            {
                var view = await ReadSettledAsync(cluster, $"api/v1/shipments/{shipment.Id}");
                var timeline = view["timeline"]!.AsArray().Select(entry => (
                    Id: (string)entry!["eventId"]!,
                    What: (string?)entry["milestone"] ?? (string)entry["deliveryException"]!,
                    Source: (string)entry["source"]!)).ToArray();
                string[] expectedIds = shipment.Unbookable
                    ? [.. UnbookedEventIds(answers, shipment)]
                    : answeredIds[shipment.Id].Distinct(StringComparer.Ordinal).ToArray();
                var expectedWhat = shipment.Statuses.Select(status => status.What).Order(StringComparer.Ordinal);
                if (!timeline.Select(entry => entry.What).Order(StringComparer.Ordinal).SequenceEqual(expectedWhat, StringComparer.Ordinal)
                    || !timeline.Select(entry => entry.Id).Order(StringComparer.Ordinal).SequenceEqual(expectedIds.Order(StringComparer.Ordinal), StringComparer.Ordinal)
                    || timeline.Any(entry => entry.Source != "Edi")
                    || (string?)view["status"] != (shipment.Delivered ? "Delivered" : shipment.Unbookable ? "PickedUp" : "InTransit"))
                {
                    failures.Enqueue($"{shipment.Id}: status {view["status"]}, timeline [{string.Join(", ", timeline.Select(entry => $"{entry.What} {entry.Id} ({entry.Source})"))}]; "
                        + $"expected [{string.Join(", ", expectedWhat)}] under ids [{string.Join(", ", expectedIds)}]");
                }

                var charges = view["charges"]!.AsArray()
                    .Select(charge => ((string)charge!["type"]!, (decimal)charge["amount"]!["amount"]!, (string?)charge["sourceReference"]))
                    .Order().ToArray();
                (string, decimal, string?)[] expectedCharges = shipment.Invoiced
                    ? [("FuelSurcharge", shipment.Fuel, shipment.InvoiceNumber), ("Linehaul", shipment.Linehaul, shipment.InvoiceNumber)]
                    : [];
                if (!charges.SequenceEqual(expectedCharges))
                {
                    failures.Enqueue($"{shipment.Id}: charges {view["charges"]!.ToJsonString()}, expected [{string.Join(", ", expectedCharges)}]");
                }

                foreach (var query in new[] { $"pro={shipment.Pro}", $"bol={shipment.BillOfLading}", $"po={shipment.PurchaseOrder}" })
                {
                    var found = (await ReadSettledAsync(cluster, $"api/v1/shipments?{query}"))["items"]!.AsArray().Select(item => (string?)item!["shipmentId"]).ToArray();
                    if (found is not [var only] || only != shipment.Id)
                    {
                        failures.Enqueue($"{shipment.Id}: GET /api/v1/shipments?{query} found [{string.Join(", ", found)}]");
                    }
                }
            }
            catch (Exception failure) when (IsCheckFailure(failure))
            {
                failures.Enqueue($"{shipment.Id}: {failure.Message} {failure.InnerException?.Message}");
            }
        });
    }

    /// <summary>
    /// The cross-partner dead-letter list, paged to its end: open, exactly the statuses of unbooked shipments (EDI, not
    /// booked) and the JSON events for unknown shipments still open; per source and partner the same split; and, with
    /// all, the replayed letters replayed once and the discarded one with its reason.
    /// </summary>
    private static async Task CheckDeadLettersAsync(
        FaultCluster cluster, Planned[] unbooked, (string Carrier, string Shipment)[] open, ConcurrentQueue<string> failures, string when)
    {
        var replayed = open.Length == 0;
        var openJson = replayed ? JsonEventIds.Skip(1).ToArray() : JsonEventIds;
        try
        {
            var letters = await Eventually.Succeeds(() => cluster.ReadAllOkAsync("api/v1/dead-letters"), SettleDeadline, "dead letters listed");
            var listed = letters.Select(Letter).ToArray();
            (string, string, string, string, string)[] expected =
            [
                .. open.Select(letter => (letter.Carrier, letter.Shipment, "Edi", "ShipmentNotBooked", "Open")),
                .. openJson.Select(id => (JsonCarrier, UnknownShipment(id), "Api", "ShipmentNotBooked", "Open")),
            ];
            expected = [.. expected.Order()];
            if (!listed.Order().SequenceEqual(expected))
            {
                failures.Enqueue($"dead letters {when}: [{string.Join(", ", listed.Order())}], expected [{string.Join(", ", expected)}]");
            }

            var edi = (await cluster.ReadAllOkAsync("api/v1/dead-letters?source=Edi")).Select(Letter).Order().ToArray();
            var api = (await cluster.ReadAllOkAsync($"api/v1/dead-letters?partner={JsonCarrier}")).Select(Letter).Order().ToArray();
            if (!edi.SequenceEqual(expected.Where(letter => letter.Item3 == "Edi")) || !api.SequenceEqual(expected.Where(letter => letter.Item3 == "Api")))
            {
                failures.Enqueue($"dead letters {when}: source=Edi [{string.Join(", ", edi)}], partner={JsonCarrier} [{string.Join(", ", api)}]");
            }

            if (!replayed)
            {
                return;
            }

            var ofCarrier = await cluster.ReadAllOkAsync($"api/v1/dead-letters?partner={Carrier}&status=all");
            var replays = ofCarrier.Select(letter => ((string)letter!["carrierEvent"]!["shipmentId"]!, (string)letter["status"]!, (int)letter["replayAttempts"]!)).Order().ToArray();
            if (!replays.SequenceEqual(unbooked.Select(shipment => (shipment.Id, "Replayed", 1)).Order()))
            {
                failures.Enqueue($"dead letters of {Carrier} {when} (shipment, status, replays): [{string.Join(", ", replays)}]");
            }

            var discarded = (await cluster.ReadAllOkAsync("api/v1/dead-letters?source=Api&status=all"))
                .Single(letter => (string?)letter!["carrierEvent"]!["eventId"] == JsonEventIds[0])!;
            if ((string?)discarded["status"] != "Discarded" || (string?)discarded["discardReason"] != DiscardReason)
            {
                failures.Enqueue($"dead letter {JsonEventIds[0]} {when}: {discarded.ToJsonString()}");
            }
        }
        catch (Exception failure) when (IsCheckFailure(failure))
        {
            failures.Enqueue($"dead letters {when}: {failure.Message} {failure.InnerException?.Message}");
        }

        static (string, string, string, string, string) Letter(JsonNode? letter) => (
            (string)letter!["carrierEvent"]!["carrierId"]!, (string)letter["carrierEvent"]!["shipmentId"]!, (string)letter["carrierEvent"]!["source"]!,
            (string)letter["reasonCode"]!, (string)letter["status"]!);
    }

    /// <summary>
    /// The causes are fixed: the unbooked shipments are booked and their letters replayed, twice (the second changes
    /// nothing); one JSON letter, still unbookable, is replayed in vain; another is discarded with a reason.
    /// </summary>
    private static async Task FixAndReplayAsync(
        FaultCluster cluster, Planned[] unbooked, ConcurrentDictionary<string, JsonNode> answers, ConcurrentQueue<string> failures)
    {
        foreach (var shipment in unbooked)
        {
            await BookAsync(cluster, shipment);
        }

        var items = new JsonArray([
            .. unbooked.SelectMany(shipment => UnbookedEventIds(answers, shipment)).Select(id => (JsonNode)new JsonObject { ["carrierId"] = Carrier, ["eventId"] = id }),
            new JsonObject { ["carrierId"] = JsonCarrier, ["eventId"] = JsonEventIds[1] }]);
        string[] expected = [.. Enumerable.Repeat("Replayed", items.Count - 1), "StillRejected"];
        foreach (var round in new[] { "first", "second" })
        {
            var outcomes = await OutcomesAsync(cluster, "api/v1/dead-letters/replay", new JsonObject { ["items"] = items.DeepClone() });
            if (!outcomes.SequenceEqual(expected, StringComparer.Ordinal))
            {
                failures.Enqueue($"{round} replay of {items.ToJsonString()} answered [{string.Join(", ", outcomes)}]");
            }
        }

        var discard = new JsonObject
        {
            ["items"] = new JsonArray(new JsonObject { ["carrierId"] = JsonCarrier, ["eventId"] = JsonEventIds[0] }),
            ["reason"] = DiscardReason,
        };
        var discarded = await OutcomesAsync(cluster, "api/v1/dead-letters/discard", discard);
        if (discarded is not ["Discarded"])
        {
            failures.Enqueue($"discard of {JsonEventIds[0]} answered [{string.Join(", ", discarded)}]");
        }
    }

    /// <summary>
    /// Each fact counts once on the carriers' scorecards, whatever was resent: the bookings (the late ones too), deliveries,
    /// delays, and one dead letter per status or event that could not be applied (a replay in vain keeps the letter it had).
    /// </summary>
    private static async Task CheckScorecardsAsync(FaultCluster cluster, Planned[] plan)
    {
        (string Carrier, (int, int, int, int) Expected)[] cards =
        [
            (Carrier, (Shipments + Unbooked, plan.Count(shipment => shipment.Delivered), plan.Count(shipment => shipment.Delayed), Unbooked)),
            (JsonCarrier, (0, 0, 0, JsonEventIds.Length)),
        ];
        await Task.WhenAll(cards.Select(card => Eventually.Succeeds(
            async () => await cluster.ReadOkAsync($"api/v1/kpis/carriers/{card.Carrier}") is var scorecard
                && ((int)scorecard["shipments"]!, (int)scorecard["delivered"]!, (int)scorecard["exceptions"]!, (int)scorecard["deadLetters"]!) is var actual
                && actual == card.Expected
                    ? actual
                    : throw new InvalidOperationException($"{card.Carrier}: (shipments, delivered, exceptions, dead letters) {actual}, expected {card.Expected}"),
            SettleDeadline,
            $"scorecard of {card.Carrier}")));
    }

    /// <summary>
    /// The CRM got every delivery confirmation and delay: each fact under one webhook id (resent only under that id, with
    /// the same body), nothing else, every signature the secret's; the outbox holds each fact once under that id, and the
    /// subscription's delivery log shows each id delivered.
    /// </summary>
    private static async Task CheckWebhooksAsync(
        FaultCluster cluster, WebhookReceiver receiver, (string SubscriptionId, string Secret) subscription, Planned[] plan, ConcurrentQueue<string> failures)
    {
        var expected = plan.Where(shipment => shipment.Delivered).Select(shipment => ("DeliveryConfirmed", $"shipment/{shipment.Id}"))
            .Concat(plan.Where(shipment => shipment.Delayed).Select(shipment => ("ExceptionOpened", $"shipment/{shipment.Id}")))
            .Order().ToArray();
        IReadOnlyList<WebhookReceiver.Received> received = [];
        try
        {
            received = await Eventually.Succeeds(
                () =>
                {
                    var now = receiver.To(Hook);
                    var facts = now.Select(Fact).Distinct().Order().ToArray();
                    return Task.FromResult(facts.SequenceEqual(expected)
                        ? now
                        : throw new InvalidOperationException($"received [{string.Join(", ", facts)}]"));
                },
                SettleDeadline,
                "every notification received by the CRM");
        }
        catch (TimeoutException timeout)
        {
            failures.Enqueue($"webhooks: {timeout.Message} {timeout.InnerException?.Message}; expected [{string.Join(", ", expected)}]");
            return;
        }

        var verifiedAt = DateTimeOffset.UtcNow;
        foreach (var unsigned in received.Where(request => !SignatureVerifier.Verifies(subscription.Secret, request.Id, request.Timestamp, request.Signature, request.Body, verifiedAt)))
        {
            failures.Enqueue($"webhook {unsigned.Id} (timestamp {unsigned.Timestamp}) does not verify: {unsigned.Signature}");
        }

        foreach (var id in received.GroupBy(request => request.Id, StringComparer.Ordinal)
            .Where(copies => copies.Select(request => Convert.ToBase64String(request.Body)).Distinct(StringComparer.Ordinal).Count() > 1))
        {
            failures.Enqueue($"webhook {id.Key} received {id.Count()} times with different bodies");
        }

        var idsByFact = received.GroupBy(Fact).ToDictionary(copies => copies.Key, copies => copies.Select(request => request.Id).Distinct(StringComparer.Ordinal).ToArray());
        foreach (var (fact, ids) in idsByFact.Where(pair => pair.Value.Length != 1))
        {
            failures.Enqueue($"webhook {fact} received under {ids.Length} ids: {string.Join(", ", ids)}");
        }

        var outbox = new List<JsonNode>();
        foreach (var customer in Enumerable.Range(0, 3).Select(CustomerId))
        {
            outbox.AddRange((await cluster.ReadAllOkAsync($"api/v1/customers/{customer}/notifications")).Select(notification => notification!));
        }

        foreach (var (fact, ids) in idsByFact)
        {
            var kept = outbox.Where(notification => ((string)notification["kind"]!, (string)notification["subject"]!) == fact)
                .Select(notification => (string)notification["notificationId"]!).ToArray();
            if (!kept.SequenceEqual(ids, StringComparer.Ordinal))
            {
                failures.Enqueue($"notification {fact}: outbox holds [{string.Join(", ", kept)}], the CRM got [{string.Join(", ", ids)}]");
            }
        }

        try
        {
            await Eventually.Holds(
                async () =>
                {
                    var delivered = (await cluster.ReadAllOkAsync($"api/v1/webhooks/{subscription.SubscriptionId}/deliveries"))
                        .Where(attempt => (bool)attempt!["succeeded"]!).Select(attempt => (string)attempt!["notificationId"]!).ToHashSet(StringComparer.Ordinal);
                    return received.All(request => delivered.Contains(request.Id));
                },
                SettleDeadline,
                "every received notification logged as delivered");
        }
        catch (TimeoutException timeout)
        {
            failures.Enqueue($"webhook delivery log: {timeout.Message}");
        }

        static (string, string) Fact(WebhookReceiver.Received request)
        {
            var body = JsonNode.Parse(request.Body)!;
            return ((string)body["type"]!, (string)body["data"]!["subject"]!);
        }
    }

    private static async Task BookAsync(FaultCluster cluster, Planned shipment) =>
        await PostAsync(
            cluster,
            "api/v1/shipments",
            JsonSerializer.Serialize(
                SampleBookings.Booking(shipment.Id, shipment.Customer, Carrier) with
                {
                    References = new ShipmentReferences(shipment.Pro, shipment.BillOfLading, shipment.PurchaseOrder),
                },
                JsonSerializerOptions.Web),
            "application/json");

    private static Task<JsonNode> SendAsync(FaultCluster cluster, Interchange interchange) =>
        PostAsync(cluster, $"api/v1/edi?carrierId={Carrier}", interchange.Raw, "application/edi-x12");

    /// <summary>A partner's POST: sent again when no answer comes within <see cref="AttemptTimeout"/>, until acknowledged.</summary>
    private static async Task<JsonNode> PostAsync(FaultCluster cluster, string path, string body, string mediaType) =>
        JsonNode.Parse(await cluster.SendUntilAcknowledgedAsync(HttpMethod.Post, path, body, mediaType, SendDeadline, AttemptTimeout))!;

    private static async Task<string?[]> OutcomesAsync(FaultCluster cluster, string path, JsonObject body)
    {
        var answer = JsonNode.Parse(await cluster.SendUntilAcknowledgedAsync(path, body, SendDeadline))!;
        return [.. answer["results"]!.AsArray().Select(result => (string?)result!["outcome"])];
    }

    /// <summary>
    /// A read after the restart: retried (with a deadline) while the grid cannot answer (5xx, recorded by the cluster, or
    /// no answer); any other answer than 200 fails at once.
    /// </summary>
    private static Task<JsonNode> ReadSettledAsync(FaultCluster cluster, string path) =>
        Eventually.Succeeds(
            async () => await cluster.ReadAsync(path) switch
            {
                (HttpStatusCode.OK, { } body) => body,
                ({ } status, _) when (int)status >= 500 => throw new InvalidOperationException($"GET {path} answered {(int)status}"),
                ({ } status, _) => throw new Xunit.Sdk.XunitException($"GET {path} answered {(int)status}"),
            },
            SettleDeadline,
            $"GET {path}");

    /// <summary>Runs one check; a deadline passed or a read refused on the way is recorded as a failure of that check.</summary>
    private static async Task CheckedAsync(ConcurrentQueue<string> failures, string what, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (Exception failure) when (IsCheckFailure(failure))
        {
            failures.Enqueue($"{what}: {failure.Message} {failure.InnerException?.Message}");
        }
    }

    private static bool IsCheckFailure(Exception exception) => exception is TimeoutException or Xunit.Sdk.XunitException;

    /// <summary>The ids the grid gave the statuses of an unbooked shipment, as its interchange answered them.</summary>
    private static IEnumerable<string> UnbookedEventIds(ConcurrentDictionary<string, JsonNode> answers, Planned shipment) =>
        answers[Control(3, 0)]["events"]!.AsArray()
            .Where(result => (string?)result!["shipmentId"] == shipment.Id)
            .Select(result => (string)result!["eventId"]!);

    /// <summary>What an interchange's answer did, in one line: each event's shipment and outcome, each charge's outcome.</summary>
    private static string Digest(JsonNode answer) =>
        $"events [{string.Join(", ", answer["events"]!.AsArray().Select(result => $"{result!["shipmentId"]}:{result["outcome"]}"))}], "
        + $"charges [{string.Join(", ", answer["charges"]!.AsArray().Select(result => $"{result!["shipmentId"]}:{result["outcome"]}"))}]";

    private static (int Accepted, int Rejected, int Refused) SetCounts(JsonNode summary)
    {
        var sets = summary["groups"]!.AsArray().SelectMany(group => group!["sets"]!.AsArray()).Select(set => (string)set!["status"]!).ToArray();
        return (sets.Count(status => status == "Accepted"), sets.Count(status => status == "Rejected"), sets.Count(status => status == "Refused"));
    }

    /// <summary>Pickup and departure of a group, named by PRO alone (every fourth shipment by bill of lading alone).</summary>
    private static Interchange FirstInterchange(int index, Planned[] shipments) =>
        Interchange.Of(Control(1, index), "QM", $"first statuses of group {index}", shipments.Select(shipment => (shipment, (string[])["AF", "X6"])).ToArray(), broken: false);

    /// <summary>Deliveries and delays of a group; every third interchange also carries a set with an impossible date.</summary>
    private static Interchange SecondInterchange(int index, Planned[] shipments) =>
        Interchange.Of(
            Control(2, index),
            "QM",
            $"later statuses of group {index}",
            [.. shipments.Where(shipment => shipment.Delivered || shipment.Delayed).Select(shipment => (shipment, shipment.Delivered ? (string[])["D1"] : ["SD"]))],
            broken: index % 3 == 0);

    private static Interchange UnbookedInterchange(Planned[] unbooked) =>
        Interchange.Of(Control(3, 0), "QM", "statuses of shipments not booked yet", [.. unbooked.Select(shipment => (shipment, (string[])["AF"]))], broken: false);

    /// <summary>Freight invoices (linehaul and fuel); the first interchange also carries one whose total contradicts its lines.</summary>
    private static Interchange InvoiceInterchange(int index, Planned[] shipments)
    {
        var sets = shipments.Select((shipment, i) => Invoice210(i + 1, shipment, shipment.Linehaul + shipment.Fuel)).ToList();
        if (index == 0)
        {
            sets.Add(Invoice210(sets.Count + 1, new Planned(2), new Planned(2).Linehaul + new Planned(2).Fuel + 1m));
        }

        return new Interchange(
            Control(4, index), Envelope(Control(4, index), "IM", sets), $"freight invoices {index}", (shipments.Length, 0, index == 0 ? 1 : 0), [], shipments.Length * 2);
    }

    private static string Invoice210(int control, Planned shipment, decimal total) =>
        Set("210", control, $"B3**{shipment.InvoiceNumber}*{shipment.Id}*PP**{Day}*{Cents(shipment.Linehaul + shipment.Fuel)}", "C3*USD",
            "LX*1", "L5*1*Freight", $"L1*1*2.50*PH*{Cents(shipment.Linehaul)}****400",
            "LX*2", "L5*2*Fuel", $"L1*2***{Cents(shipment.Fuel)}****FUE",
            $"L3*1200*G***{Cents(total)}");

    private static string Cents(decimal amount) => (amount * 100m).ToString("F0", CultureInfo.InvariantCulture);

    private static string Envelope(string control, string functionalId, List<string> sets)
    {
        var now = DateTime.UtcNow;
        return $"ISA*00*          *00*          *ZZ*{SenderId,-15}*ZZ*SHIPGRID       *{now.ToString("yyMMdd", CultureInfo.InvariantCulture)}*"
            + $"{now.ToString("HHmm", CultureInfo.InvariantCulture)}*U*00401*{control}*0*P*>~"
            + $"GS*{functionalId}*{SenderId}*SHIPGRID*{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}*{now.ToString("HHmm", CultureInfo.InvariantCulture)}*1*X*004010~"
            + string.Concat(sets) + $"GE*{sets.Count}*1~IEA*1*{control}~";
    }

    private static string Set(string id, int control, params string[] body)
    {
        var number = control.ToString("D4", CultureInfo.InvariantCulture);
        return $"ST*{id}*{number}~" + string.Concat(body.Select(segment => segment + "~")) + $"SE*{body.Length + 2}*{number}~";
    }

    private static string Control(int kind, int index) => $"{kind}{index:D8}";

    private static string CustomerId(int customer) => $"C-EDGE-{customer}";

    private static string UnknownShipment(string eventId) => eventId.Replace("J-", "X-", StringComparison.Ordinal);

    private static JsonNode JsonEvent(string eventId) => new JsonObject
    {
        ["eventId"] = eventId, ["carrierId"] = JsonCarrier, ["shipmentId"] = UnknownShipment(eventId), ["milestone"] = "PickedUp",
        ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-3),
    };

    private static Task InParallelAsync<T>(IEnumerable<T> items, Func<T, Task> send) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (item, _) => await send(item));

    /// <summary>An X12 status code, its reason, time (Central) and place, and what the grid makes of it (a milestone or an exception).</summary>
    private sealed record X12Status(string Code, string Reason, string Time, string Place, string What);

    /// <summary>
    /// One shipment and what its carrier reports, all derived from its index; <paramref name="Unbookable"/> ones are
    /// reported on (by id) before anyone books them, and booked only once their letters wait.
    /// </summary>
    private sealed record Planned(int Index, bool Unbookable = false)
    {
        public string Id => Unbookable ? $"M-EDGE-{Index}" : $"S-EDGE-{Index:D2}";

        public string Customer => CustomerId(Index % 3);

        public string Pro => $"PRO-{Id}";

        public string BillOfLading => $"BOL-{Id}";

        public string PurchaseOrder => $"PO-{Id}";

        public bool ByBillOfLading => !Unbookable && Index % 4 == 3;

        public bool Delivered => !Unbookable && Index % 2 == 0;

        public bool Delayed => !Unbookable && Index % 10 == 1;

        public bool Invoiced => !Unbookable && Index % 4 == 0;

        public decimal Linehaul => 1000m + Index + 0.25m;

        public decimal Fuel => 100m + Index + 0.5m;

        public string InvoiceNumber => $"FI-{Id}";

        public IEnumerable<X12Status> Statuses => Unbookable
            ? [KnownStatuses[0]]
            : [KnownStatuses[0], KnownStatuses[1], .. Delayed ? [KnownStatuses[2]] : Array.Empty<X12Status>(), .. Delivered ? [KnownStatuses[3]] : Array.Empty<X12Status>()];

        /// <summary>The 214 set reporting <paramref name="codes"/>: B10 with the PRO (or only an L11 bill of lading), B1002 only for unbooked ones.</summary>
        public string Status214(int control, string[] codes)
        {
            string[] head = ByBillOfLading
                ? [$"B10***{Scac}", $"L11*{BillOfLading}*BM", $"L11*{PurchaseOrder}*PO"]
                : [$"B10*{Pro}*{(Unbookable ? Id : string.Empty)}*{Scac}", $"L11*{PurchaseOrder}*PO"];
            var loops = codes.Select(code => KnownStatuses.Single(status => status.Code == code)).SelectMany((status, i) => new[]
            {
                $"LX*{i + 1}", $"AT7*{status.Code}*{status.Reason}***{Day}*{status.Time}*CT", $"MS1*{status.Place}*USA",
            });
            return Set("214", control, [.. head, .. loops]);
        }
    }

    /// <summary>
    /// An interchange as sent, with what it must come to: its sets (accepted, rejected, refused), the statuses it reports
    /// (per shipment) and the charges it carries.
    /// </summary>
    private sealed record Interchange(
        string Control, string Raw, string What, (int Accepted, int Rejected, int Refused) Sets, (string Shipment, string Code)[] Statuses, int Charges)
    {
        public static Interchange Of(string control, string functionalId, string what, (Planned Shipment, string[] Codes)[] reports, bool broken)
        {
            var sets = reports.Select((report, i) => report.Shipment.Status214(i + 1, report.Codes)).ToList();
            if (broken)
            {
                sets.Add(Set("214", sets.Count + 1, $"B10*PRO-NOWHERE**{Scac}", "LX*1", "AT7*AF*NS***20261399*0800*CT"));
            }

            return new Interchange(
                control,
                Envelope(control, functionalId, sets),
                what,
                (reports.Length, broken ? 1 : 0, 0),
                [.. reports.SelectMany(report => report.Codes.Select(code => (report.Shipment.Id, code)))],
                0);
        }
    }
}
