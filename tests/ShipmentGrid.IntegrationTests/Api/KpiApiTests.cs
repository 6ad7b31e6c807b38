using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>The KPIs as the shipments, their duplicates and dead letters, and the posted invoices feed them.</summary>
public sealed class KpiApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private const string Carrier = "CARR-KPI";
    private const string Customer = "CUST-KPI";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task Shipments_to_posted_invoices_give_the_carrier_scorecard_and_the_customer_cash_cycle()
    {
        using var registered = await http.PutAsJsonAsync(new Uri($"/api/v1/carriers/{Carrier}", UriKind.Relative), CarrierProfile());
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        using var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(Customer));
        Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        // Whole seconds, as carriers report them; four days back so every event lies in the past.
        var now = DateTimeOffset.UtcNow;
        var pickup = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddDays(-4);
        var planned = pickup.AddDays(2);
        foreach (var shipmentId in new[] { "SHP-KPI-1", "SHP-KPI-2", "SHP-KPI-3" })
        {
            using var booked = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipmentId, Customer, Carrier) with
            {
                PlannedPickup = pickup,
                PlannedDelivery = planned,
            });
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

        // SHP-KPI-1 within the one-hour tolerance, SHP-KPI-2 late, SHP-KPI-3 only delayed.
        var outcomes = await PostEventsAsync(
            Event("K1-1", "SHP-KPI-1", "milestone", "PickedUp", pickup),
            Event("K1-2", "SHP-KPI-1", "milestone", "Delivered", planned.AddMinutes(30)),
            Event("K1-3", "SHP-KPI-1", "milestone", "ProofOfDelivery", planned.AddHours(2)),
            Event("K2-1", "SHP-KPI-2", "milestone", "PickedUp", pickup.AddHours(1)),
            Event("K2-2", "SHP-KPI-2", "milestone", "Delivered", planned.AddHours(3)),
            Event("K2-3", "SHP-KPI-2", "milestone", "ProofOfDelivery", planned.AddHours(4)),
            Event("K3-X", "SHP-KPI-3", "deliveryException", "Delayed", pickup.AddDays(1)));
        Assert.All(outcomes, outcome => Assert.Equal("Accepted", (string?)outcome?["outcome"]));
        Assert.Equal(
            ["Duplicate", "Rejected"],
            (await PostEventsAsync(
                Event("K1-2", "SHP-KPI-1", "milestone", "Delivered", planned.AddMinutes(30)),
                Event("K9-1", "SHP-KPI-NOWHERE", "milestone", "PickedUp", pickup))).Select(outcome => (string?)outcome?["outcome"]));
        foreach (var shipmentId in new[] { "SHP-KPI-1", "SHP-KPI-2" })
        {
            await ChargeAsync(shipmentId, "Linehaul", 1_200m);
            await ChargeAsync(shipmentId, "FuelSurcharge", 180m);
        }

        var posted1 = await PostedAtAsync("SHP-KPI-1");
        var posted2 = await PostedAtAsync("SHP-KPI-2");

        var scorecard = await Eventually.Succeeds(
            async () => await GetAsync($"/api/v1/kpis/carriers/{Carrier}") is { } card && (int?)card["delivered"] == 2 && (int?)card["exceptions"] == 1
                ? card : throw new InvalidOperationException("scorecard not complete yet"),
            Deadline, "the carrier scorecard");
        Assert.Equal(3, (int?)scorecard["shipments"]);
        Assert.Equal(2, (int?)scorecard["deliveredAgainstPlan"]);
        Assert.Equal(1, (int?)scorecard["onTime"]);
        Assert.Equal(50m, (decimal?)scorecard["slaCompliancePercent"]);
        Assert.Equal(33.33m, (decimal?)scorecard["exceptionsPer100Shipments"]);
        Assert.Equal(1, (int?)scorecard["duplicates"]);
        Assert.Equal(1, (int?)scorecard["deadLetters"]);

        var cash = await Eventually.Succeeds(
            async () => await GetAsync($"/api/v1/kpis/customers/{Customer}") is { } kpis && (int?)kpis["invoicesPosted"] == 2 && (int?)kpis["shipmentToCash"]?["count"] == 2
                ? kpis : throw new InvalidOperationException("cash KPIs not complete yet"),
            Deadline, "the customer cash KPIs");
        AssertStats(cash["invoiceCycleTime"], posted1 - planned.AddHours(2), posted2 - planned.AddHours(4));
        AssertStats(cash["shipmentToCash"], posted1 - pickup, posted2 - pickup.AddHours(1));
    }

    [Fact]
    public async Task An_unknown_customer_has_no_cash_kpis_and_an_unknown_carrier_an_empty_scorecard()
    {
        using var customer = await http.GetAsync(new Uri("/api/v1/kpis/customers/NOBODY", UriKind.Relative));
        var carrier = await GetAsync("/api/v1/kpis/carriers/NO-SUCH-CARRIER");

        Assert.Equal(HttpStatusCode.NotFound, customer.StatusCode);
        Assert.Equal("application/problem+json", customer.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (int?)carrier["shipments"]);
        Assert.Null(carrier["slaCompliancePercent"]);
    }

    private static void AssertStats(JsonNode? stats, TimeSpan first, TimeSpan second)
    {
        static decimal Seconds(TimeSpan duration) => duration.Ticks / (decimal)TimeSpan.TicksPerSecond;
        Assert.Equal(2, (int?)stats?["count"]);
        Assert.Equal(Seconds(first) + Seconds(second), (decimal?)stats?["totalSeconds"]);
        Assert.Equal(Math.Min(Seconds(first), Seconds(second)), (decimal?)stats?["minSeconds"]);
        Assert.Equal(Math.Max(Seconds(first), Seconds(second)), (decimal?)stats?["maxSeconds"]);
        Assert.Equal(Math.Round((Seconds(first) + Seconds(second)) / 2, 3, MidpointRounding.AwayFromZero), (decimal?)stats?["averageSeconds"]);
    }

    private static JsonObject CarrierProfile() => new()
    {
        ["carrierId"] = Carrier,
        ["scac"] = "KPIF",
        ["name"] = "Scorecard Freight",
        ["milestoneCodes"] = new JsonObject { ["AF"] = "PickedUp", ["D1"] = "Delivered" },
        ["exceptionCodes"] = new JsonObject { ["SD"] = "Delayed" },
        ["chargeCodes"] = new JsonObject { ["400"] = "Linehaul", ["FUE"] = "FuelSurcharge" },
        ["sla"] = new JsonObject { ["deliveryTolerance"] = "01:00:00", ["onTimeTargetPercent"] = 95m },
    };

    private static JsonObject Event(string eventId, string shipmentId, string kind, string value, DateTimeOffset occurredAt) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = Carrier, ["shipmentId"] = shipmentId, [kind] = value, ["occurredAt"] = occurredAt,
    };

    private async Task<JsonArray> PostEventsAsync(params JsonObject[] events)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), new JsonArray(events));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())?["results"]?.AsArray() ?? [];
    }

    private async Task ChargeAsync(string shipmentId, string type, decimal amount)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/api/v1/shipments/{shipmentId}/charges", UriKind.Relative), new JsonObject
        {
            ["chargeId"] = $"{type}-{shipmentId}", ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
            ["source"] = "Rating", ["sourceReference"] = $"RATE-{shipmentId}",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<DateTimeOffset> PostedAtAsync(string shipmentId)
    {
        var invoice = await Eventually.Succeeds(
            async () => await GetAsync($"/api/v1/shipments/{shipmentId}/invoice") is { } posted && (string?)posted["status"] == "Posted"
                ? posted : throw new InvalidOperationException("not posted yet"),
            Deadline, $"the invoice of {shipmentId} posted");
        return invoice["postedAt"]!.GetValue<DateTimeOffset>();
    }

    private async Task<JsonObject> GetAsync(string path) =>
        await http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative)) ?? throw new InvalidOperationException($"{path} answered null");
}
