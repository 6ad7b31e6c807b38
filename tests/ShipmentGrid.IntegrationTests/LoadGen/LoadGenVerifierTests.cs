using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Tools.LoadGen;

namespace ShipmentGrid.IntegrationTests.LoadGen;

/// <summary>
/// The load generator (issue 9, point 1) against the embedded API: a small run over JSON, the stream and EDI, with every
/// anomaly, verifies clean, and still does with a shipment whose request went unanswered (its invoice counted in its
/// customer's receivables); then its verifier reports an acknowledged event the grid never got (dropped) and an event the
/// grid applied behind the tool's back (a carrier's proof of delivery resent under a new id: a duplicate the grid cannot
/// recognise), and a run with either difference exits non-zero.
/// </summary>
public sealed class LoadGenVerifierTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    /// <summary>A grid already settled is checked again in one pass: what differs now will not stop differing.</summary>
    private static readonly TimeSpan SettledAlready = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_small_run_verifies_clean_and_the_verifier_reports_a_dropped_event_and_an_injected_duplicate()
    {
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = null;
        var options = new LoadOptions
        {
            Api = http.BaseAddress!, Shipments = 60, Customers = 10, Carriers = 4, Concurrency = 8, Batch = 10, Settle = Settle,
        };
        var run = new LoadRun(options, http, TestKeys.Admin, TextWriter.Null, terminal: false, TimeProvider.System);

        var report = await run.ExecuteAsync();

        Assert.True(report.ExitCode == 0, Text(report));
        Assert.Equal(
            [(EventRoute.Json, true), (EventRoute.Stream, true), (EventRoute.Edi, true)],
            report.Throughput.EventsByRoute.OrderBy(route => route.Key).Select(route => (route.Key, route.Value > 0)));
        Assert.True(report.Verification is { Shipments: 60, InvoicesPosted: > 0, InvoicesHeld: > 0 }, Text(report));
        Assert.True(report.Workload is { DeliveryExceptions: > 0, LateEvents: > 0, ResentBatches: > 0, MissingFuel: > 0, CustomersHeld: > 1 }, Text(report));
        Assert.Equal(60, report.Rounds.Sum(round => round.Bookings));
        Assert.Equal(options.Cohorts + 7, report.Rounds.Count);
        Assert.InRange(report.Rounds.Sum(round => round.Writes), report.Throughput.Writes / 2, report.Throughput.Writes);

        var deadLetters = (long)(await ReadAsync("api/v1/journal/lag"))["deadLetters"]!;
        var verifier = new Verifier(new GridClient(http, new RunMetrics()), TestKeys.Admin, new VerifierOptions(SettledAlready, options.Concurrency, null));

        // An uncertain shipment (a request for it went unanswered) is not judged, but its posted invoice is in its customer's
        // receivables and the check of those must count it: the grid as it stands still verifies clean.
        var uncertain = run.Ledger.Shipments.Values.Where(shipment => shipment.Billable && !run.Ledger.EverHeld(shipment.CustomerId))
            .OrderBy(shipment => shipment.ShipmentId, StringComparer.Ordinal).Last();
        run.Ledger.Uncertain(uncertain.ShipmentId);

        var withUncertain = await verifier.VerifyAsync(run.Ledger, deadLetters);

        Assert.True(withUncertain.Passed, string.Join(Environment.NewLine, withUncertain.Differences));
        Assert.Equal(1, withUncertain.Uncertain);

        // (a) Dropped: the ledger holds an acknowledged event that never reached the grid.
        var dropped = run.Ledger.Shipments.Values.Where(shipment => shipment.Billable && shipment != uncertain).OrderBy(shipment => shipment.ShipmentId, StringComparer.Ordinal).First();
        run.Ledger.Event(new AcknowledgedEvent(
            dropped.CarrierId, $"{dropped.ShipmentId}-DROPPED", dropped.ShipmentId, EventRoute.Json, EventAcknowledgement.Accepted, "IT", DateTimeOffset.UtcNow));

        var afterDrop = await verifier.VerifyAsync(run.Ledger, deadLetters);

        Assert.Equal([("acknowledged-event-missing", dropped.ShipmentId)], afterDrop.Differences.Select(difference => (difference.Kind, difference.Subject)));
        Assert.Contains($"{dropped.CarrierId}/{dropped.ShipmentId}-DROPPED", afterDrop.Differences[0].Detail, StringComparison.Ordinal);
        Assert.Equal(1, (report with { Verification = afterDrop }).ExitCode);

        // (b) A duplicate behind the tool's back: another shipment's proof of delivery sent again under a new event id.
        var duplicated = run.Ledger.Shipments.Values.Where(shipment => shipment.Billable && shipment != dropped && shipment != uncertain)
            .OrderBy(shipment => shipment.ShipmentId, StringComparer.Ordinal).First();
        using (var resend = Admin(HttpMethod.Post, "api/v1/carrier-events", new JsonObject
        {
            ["eventId"] = $"{duplicated.ShipmentId}-POD-AGAIN", ["carrierId"] = duplicated.CarrierId, ["shipmentId"] = duplicated.ShipmentId,
            ["milestone"] = "ProofOfDelivery", ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
        }))
        using (var sent = await http.SendAsync(resend))
        {
            var answer = await sent.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("Accepted", (string?)answer?["results"]?[0]?["outcome"]);
        }

        var afterDuplicate = await verifier.VerifyAsync(run.Ledger, deadLetters);

        Assert.Equal(
            [("acknowledged-event-missing", dropped.ShipmentId), ("unacknowledged-event", duplicated.ShipmentId)],
            afterDuplicate.Differences.Select(difference => (difference.Kind, difference.Subject)).Order());
        Assert.Contains(
            afterDuplicate.Differences,
            difference => difference.Subject == duplicated.ShipmentId && difference.Detail.Contains($"{duplicated.CarrierId}/{duplicated.ShipmentId}-POD-AGAIN", StringComparison.Ordinal));
        Assert.Equal(1, (report with { Verification = afterDuplicate }).ExitCode);
    }

    private async Task<JsonNode> ReadAsync(string path)
    {
        using var http = factory.CreateClient();
        return (await http.GetFromJsonAsync<JsonNode>(new Uri(path, UriKind.Relative)))!;
    }

    private static HttpRequestMessage Admin(HttpMethod method, string path, JsonNode body)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = TestKeys.Bearer(TestKeys.Admin);
        return request;
    }

    private static string Text(RunReport report)
    {
        using var text = new StringWriter();
        report.WriteText(text);
        return text.ToString();
    }
}
