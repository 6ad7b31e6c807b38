using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// The whole PostgreSQL-mode path under failure: API process, two silo processes, carrier events over HTTP and
/// through the durable intake queue, and a kill -9 of a silo in the middle. Senders retry what was not acknowledged, as
/// partners do; every acknowledged event must be in its shipment exactly once.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class DurableFlowProcessTests(PostgresServer postgres)
{
    private const int Shipments = 12;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly string[] Milestones = ["Dispatched", "PickedUp", "InTransit", "ArrivedAtDelivery"];

    [Fact]
    public async Task No_acknowledged_carrier_event_is_lost_or_applied_twice_when_a_silo_is_killed_mid_flow()
    {
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("durable_flow"));
        await using var first = await cluster.StartSiloAsync("silo-1");
        await using var second = await cluster.StartSiloAsync("silo-2");
        await using var api = await cluster.StartApiAsync();
        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(30));

        using (var customer = await http.PostAsJsonAsync(new Uri("api/v1/customers", UriKind.Relative), SampleBookings.Customer("CUST-FLOW")))
        {
            Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        }

        var ids = Enumerable.Range(1, Shipments).Select(i => $"SHP-FLOW-{i:D2}").ToArray();
        foreach (var id in ids)
        {
            await SendUntilAcknowledgedAsync(http, "api/v1/shipments", SampleBookings.Booking(id, "CUST-FLOW"), HttpStatusCode.Created, HttpStatusCode.OK);
        }

        var start = DateTimeOffset.UtcNow.AddDays(-2);
        for (var step = 0; step < Milestones.Length; step++)
        {
            if (step == 2)
            {
                await first.KillAsync();
            }

            // Half the shipments get this milestone over HTTP, the other half through the durable intake queue.
            var direct = new JsonArray([.. ids.Take(Shipments / 2).Select(id => Event(id, step, start))]);
            var streamed = new JsonArray([.. ids.Skip(Shipments / 2).Select(id => Event(id, step, start))]);
            await SendUntilAcknowledgedAsync(http, "api/v1/carrier-events", direct, HttpStatusCode.OK);
            await SendUntilAcknowledgedAsync(http, "api/v1/carrier-events/stream", streamed, HttpStatusCode.Accepted);
        }

        // Queued events the killed silo's reader had not applied are applied by the partition's next reader, from its
        // checkpoint; so wait for each timeline to hold every acknowledged event, then check it holds each exactly once.
        foreach (var id in ids)
        {
            var shipment = await Eventually.Succeeds(
                async () => await http.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/shipments/{id}", UriKind.Relative)) is { } view
                    && view["timeline"]!.AsArray().Count >= Milestones.Length
                    ? view
                    : throw new InvalidOperationException($"{id} not complete yet"),
                Deadline,
                $"{id} holding every acknowledged event");
            var timeline = shipment["timeline"]!.AsArray().Select(e => (string?)e?["eventId"]).ToArray();
            Assert.Equal(Milestones.Select((_, step) => $"{id}-E{step}"), timeline);
            Assert.Equal("ArrivedAtDelivery", (string?)shipment["status"]);
        }

        // Every queued event reads as applied by its event id, whichever silo applied it (the outcome is written just
        // after the shipment decides, so it may trail the timeline briefly).
        foreach (var id in ids.Skip(Shipments / 2))
        {
            for (var step = 0; step < Milestones.Length; step++)
            {
                var eventId = $"{id}-E{step}";
                await Eventually.Holds(
                    async () => (string?)(await http.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/carrier-events/CARR-1/{eventId}", UriKind.Relative)))?["status"] == "Accepted",
                    Deadline,
                    $"{eventId} read as Accepted");
            }
        }

        Assert.False(second.HasExited, second.Output);
    }

    private static JsonObject Event(string shipmentId, int step, DateTimeOffset start) => new()
    {
        ["eventId"] = $"{shipmentId}-E{step}",
        ["carrierId"] = "CARR-1",
        ["shipmentId"] = shipmentId,
        ["milestone"] = Milestones[step],
        ["occurredAt"] = start.AddHours(step * 6),
    };

    /// <summary>What a partner does: resend until the grid acknowledges; the grid's duplicate detection makes that safe.</summary>
    private static Task SendUntilAcknowledgedAsync<T>(HttpClient http, string path, T body, params HttpStatusCode[] acknowledged) =>
        Eventually.Holds(
            async () =>
            {
                using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
                return acknowledged.Contains(response.StatusCode);
            },
            Deadline,
            $"POST {path} acknowledged");
}
