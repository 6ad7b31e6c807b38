using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>What follows a carrier event: exception queues, service cases, CRM notifications and dead letters.</summary>
public sealed class FollowUpApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task A_delivery_exception_opens_a_queue_item_and_a_service_case_that_resolving_closes()
    {
        await BookAsync("CUST-FU-1", "SHP-FU-1");
        var at = DateTimeOffset.UtcNow.AddHours(-5);
        await PostEventsAsync(new JsonObject
        {
            ["eventId"] = "X-1", ["carrierId"] = "CARR-1", ["shipmentId"] = "SHP-FU-1",
            ["deliveryException"] = "Damaged", ["reasonCode"] = "BG", ["occurredAt"] = at, ["notes"] = "Pallet crushed",
        });

        var cases = await Eventually.Succeeds(
            async () => await Get("/api/v1/customers/CUST-FU-1/service-cases") is { Count: 1 } list ? list : throw new InvalidOperationException("no case yet"),
            Deadline, "a service case for the delivery exception");
        Assert.Equal("DeliveryException", (string?)cases[0]?["reason"]);
        Assert.Equal("Open", (string?)cases[0]?["status"]);
        Assert.Equal("SHP-FU-1", (string?)cases[0]?["shipmentId"]);
        var open = await Get("/api/v1/exceptions?queue=delivery-exception");
        Assert.Contains(open, item => ((string?)item?["subject"])?.StartsWith("shipment/SHP-FU-1/", StringComparison.Ordinal) == true);

        // Aging: the item is as old as the exception the carrier reported, five hours ago.
        Assert.Contains(await Get("/api/v1/exceptions?queue=delivery-exception&minAgeHours=4"), i => ((string?)i?["subject"])?.Contains("SHP-FU-1", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(await Get("/api/v1/exceptions?queue=delivery-exception&minAgeHours=6"), i => ((string?)i?["subject"])?.Contains("SHP-FU-1", StringComparison.Ordinal) == true);

        var item = open.First(i => ((string?)i?["subject"])?.StartsWith("shipment/SHP-FU-1/", StringComparison.Ordinal) == true);
        using var notRetryable = await http.PostAsJsonAsync(new Uri("/api/v1/exceptions/retry", UriKind.Relative), new { exceptionId = (string?)item?["exceptionId"] });
        Assert.Equal(HttpStatusCode.Conflict, notRetryable.StatusCode);
        using var resolved = await http.PostAsJsonAsync(
            new Uri("/api/v1/exceptions/resolve", UriKind.Relative), new { exceptionId = (string?)item?["exceptionId"], resolution = "Reshipped" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var shipment = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-FU-1", UriKind.Relative));
        Assert.Empty(shipment?["openExceptions"]?.AsArray() ?? []);

        await Eventually.Holds(
            async () => (string?)(await Get("/api/v1/customers/CUST-FU-1/service-cases"))[0]?["status"] == "Resolved",
            Deadline, "the service case resolved");
        Assert.DoesNotContain(
            await Get("/api/v1/exceptions?queue=delivery-exception"),
            item => ((string?)item?["subject"])?.StartsWith("shipment/SHP-FU-1/", StringComparison.Ordinal) == true);
        var kinds = (await Get("/api/v1/customers/CUST-FU-1/notifications")).Select(n => (string?)n?["kind"]).ToArray();
        Assert.Equal(["ExceptionOpened", "ExceptionResolved"], kinds.Order());
    }

    [Fact]
    public async Task Proof_of_delivery_without_charges_queues_billing_incomplete_until_the_charges_arrive()
    {
        await BookAsync("CUST-FU-2", "SHP-FU-2");
        await PostEventsAsync(new JsonObject
        {
            ["eventId"] = "P-1", ["carrierId"] = "CARR-1", ["shipmentId"] = "SHP-FU-2",
            ["milestone"] = "ProofOfDelivery", ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-2),
        });
        var item = await Eventually.Succeeds(
            async () => (await Get("/api/v1/exceptions?queue=billing-incomplete&owner=Finance"))
                .FirstOrDefault(i => (string?)i?["subject"] == "shipment/SHP-FU-2") ?? throw new InvalidOperationException("not queued yet"),
            Deadline, "a billing-incomplete exception");
        Assert.Contains("LINEHAUL", ((string?)item["reason"])?.ToUpperInvariant().Replace("_", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal) ?? string.Empty, StringComparison.Ordinal);

        await ChargeAsync("SHP-FU-2", "C-LH", "Linehaul", 1200m);
        await ChargeAsync("SHP-FU-2", "C-FS", "FuelSurcharge", 180m);

        await Eventually.Holds(
            async () => !(await Get("/api/v1/exceptions?queue=billing-incomplete")).Any(i => (string?)i?["subject"] == "shipment/SHP-FU-2"),
            Deadline, "the billing-incomplete exception resolved");
        var all = await Get("/api/v1/exceptions?queue=billing-incomplete&status=all");
        Assert.Contains(all, i => (string?)i?["subject"] == "shipment/SHP-FU-2" && i?["resolution"] is not null);
    }

    [Fact]
    public async Task An_event_for_an_unknown_shipment_is_dead_lettered_and_replays_once_the_shipment_exists()
    {
        var at = DateTimeOffset.UtcNow.AddHours(-3);
        var results = await PostEventsAsync(new JsonObject
        {
            ["eventId"] = "DL-1", ["carrierId"] = "CARR-DL", ["shipmentId"] = "SHP-FU-3", ["milestone"] = "PickedUp", ["occurredAt"] = at,
        });
        Assert.Equal("Rejected", (string?)results[0]?["outcome"]);
        // The letter is written with the shipment's answer: there when the rejection is.
        var letters = await Get("/api/v1/carriers/CARR-DL/dead-letters");
        Assert.Single(letters);
        Assert.Equal("Open", (string?)letters[0]?["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)letters[0]?["reason"]));

        var queued = Assert.Single(await Get("/api/v1/exceptions?queue=dead-letter&owner=Operations"), i => (string?)i?["subject"] == "carrier/CARR-DL/event/DL-1");

        await BookAsync("CUST-FU-3", "SHP-FU-3", carrierId: "CARR-DL");
        using var retry = await http.PostAsJsonAsync(new Uri("/api/v1/exceptions/retry", UriKind.Relative), new { exceptionId = (string?)queued?["exceptionId"] });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.NotNull((await retry.Content.ReadFromJsonAsync<JsonObject>())?["resolution"]);
        var replayed = (await Get("/api/v1/carriers/CARR-DL/dead-letters"))[0];
        Assert.Equal("Replayed", (string?)replayed?["status"]);
        using var replayAgain = await http.PostAsync(new Uri("/api/v1/carriers/CARR-DL/dead-letters/DL-1/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, replayAgain.StatusCode);
        var shipment = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-FU-3", UriKind.Relative));
        Assert.Equal("PickedUp", (string?)shipment?["status"]);
    }

    [Fact]
    public async Task Streamed_events_are_queued_then_applied_their_outcomes_read_by_event_id_and_history_and_rebuild_show_the_same_shipment()
    {
        await BookAsync("CUST-FU-4", "SHP-FU-4");
        var at = DateTimeOffset.UtcNow.AddHours(-6);
        var batch = new JsonArray
        {
            new JsonObject { ["eventId"] = "S-1", ["carrierId"] = "CARR-1", ["shipmentId"] = "SHP-FU-4", ["milestone"] = "PickedUp", ["occurredAt"] = at },
            new JsonObject { ["eventId"] = "S-2", ["carrierId"] = "CARR-1", ["shipmentId"] = "SHP-FU-4", ["milestone"] = "InTransit", ["occurredAt"] = at.AddHours(2) },
            new JsonObject { ["eventId"] = "S-9", ["carrierId"] = "CARR-STREAM", ["shipmentId"] = "SHP-NOWHERE", ["milestone"] = "PickedUp", ["occurredAt"] = at },
        };
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events/stream", UriKind.Relative), batch);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<JsonObject>())?["results"]?.AsArray();
        Assert.Equal(["Queued", "Queued", "Queued"], queued?.Select(r => (string?)r?["outcome"]));

        await Eventually.Holds(
            async () => (string?)(await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-FU-4", UriKind.Relative)))?["status"] == "InTransit",
            Deadline, "streamed milestones applied");
        await Eventually.Holds(async () => (await Get("/api/v1/carriers/CARR-STREAM/dead-letters")).Count == 1, Deadline, "the unknown shipment's event dead-lettered");
        await Eventually.Holds(async () => (string?)(await Outcome("CARR-1", "S-2"))?["status"] == "Accepted", Deadline, "the queued event's outcome");
        var rejected = await Outcome("CARR-STREAM", "S-9");
        Assert.Equal(("SHP-NOWHERE", "Rejected"), ((string?)rejected?["shipmentId"], (string?)rejected?["status"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)rejected?["reason"]));
        using (var unknown = await http.GetAsync(new Uri("/api/v1/carrier-events/CARR-1/NEVER-SENT", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        }

        var history = await http.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/SHP-FU-4/history", UriKind.Relative)) ?? [];
        Assert.Equal(["ShipmentBooked", "MilestoneRecorded", "MilestoneRecorded"], history.Select(e => (string?)e?["type"]));
        Assert.Equal([1, 2, 3], history.Select(e => (int?)e?["version"]));
        var before = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-FU-4", UriKind.Relative));
        using var rebuilt = await http.PostAsync(new Uri("/api/v1/admin/shipments/SHP-FU-4/rebuild", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, rebuilt.StatusCode);
        var after = await rebuilt.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(before?.ToJsonString(), after?.ToJsonString());
    }

    private async Task BookAsync(string customerId, string shipmentId, string carrierId = "CARR-1")
    {
        using var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(customerId));
        Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        using var booked = await http.PostAsJsonAsync(
            new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipmentId, customerId, carrierId));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    private async Task ChargeAsync(string shipmentId, string chargeId, string type, decimal amount)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/api/v1/shipments/{shipmentId}/charges", UriKind.Relative), new JsonObject
        {
            ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
            ["source"] = "CarrierInvoice", ["sourceReference"] = "INV-CARRIER-1",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<JsonArray> PostEventsAsync(JsonObject carrierEvent)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), carrierEvent);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())?["results"]?.AsArray() ?? [];
    }

    private async Task<JsonObject?> Outcome(string carrierId, string eventId) =>
        await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/carrier-events/{carrierId}/{eventId}", UriKind.Relative));

    private Task<JsonArray> Get(string path) => ApiPages.AllAsync(http, path);
}
