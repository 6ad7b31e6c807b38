using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>Dead letters across partners: one filtered list, replay of many (idempotent), discard with a reason; a carrier sees its own.</summary>
public sealed class DeadLetterApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task Letters_of_every_partner_filter_replay_once_and_discard_with_a_reason()
    {
        using (var customer = await admin.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-DL")))
        {
            Assert.True(customer.IsSuccessStatusCode);
        }

        // Events for shipments not booked yet, from two carriers over both routes.
        await SendAsync("/api/v1/carrier-events", Event("DLA-1", "K-DLA", "S-DLA-1"), Event("DLA-2", "K-DLA", "S-DLA-2"));
        await SendAsync("/api/v1/carrier-events/stream", Event("DLB-1", "K-DLB", "S-DLB-1"));
        await Eventually.Holds(async () => (await ListAsync("/api/v1/dead-letters?reason=ShipmentNotBooked")).Count == 3, TimeSpan.FromSeconds(20), "three dead letters");

        // The two events went to their shipments side by side: either may have been dead-lettered first.
        Assert.Equal(["K-DLA/DLA-1", "K-DLA/DLA-2"], (await ListAsync("/api/v1/dead-letters?partner=K-DLA")).Order(StringComparer.Ordinal));
        Assert.Equal(["K-DLB/DLB-1"], await ListAsync("/api/v1/dead-letters?source=Stream"));
        Assert.Empty(await ListAsync("/api/v1/dead-letters?minAgeHours=1"));
        Assert.Empty(await ListAsync("/api/v1/dead-letters?reason=ValidationFailed"));

        // The cause is fixed: the shipment is booked. Replaying twice applies the event once.
        using (var booked = await admin.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking("S-DLA-1", "C-DL", "K-DLA")))
        {
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

        var keys = new { items = new[] { new { carrierId = "K-DLA", eventId = "DLA-1" }, new { carrierId = "K-DLA", eventId = "DLA-2" }, new { carrierId = "K-DLA", eventId = "NONE" } } };
        Assert.Equal(["Replayed", "StillRejected", "NotFound"], await OutcomesAsync("/api/v1/dead-letters/replay", keys));
        Assert.Equal(["Replayed", "StillRejected", "NotFound"], await OutcomesAsync("/api/v1/dead-letters/replay", keys));
        var history = await admin.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/S-DLA-1/history", UriKind.Relative));
        Assert.Equal(2, history!.Count);

        // Discarded with a reason: the letter is set aside and leaves the open list; a replayed one stays replayed.
        var discard = new { items = keys.items, reason = "Shipment cancelled before booking" };
        Assert.Equal(["Replayed", "Discarded", "NotFound"], await OutcomesAsync("/api/v1/dead-letters/discard", discard));
        Assert.Equal(["K-DLB/DLB-1"], await ListAsync("/api/v1/dead-letters"));
        var letter = (await admin.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/dead-letters?partner=K-DLA&status=all", UriKind.Relative)))!["items"]!.AsArray()
            .Single(item => (string?)item!["carrierEvent"]!["eventId"] == "DLA-2")!;
        Assert.Equal(("Discarded", "Shipment cancelled before booking"), ((string?)letter["status"], (string?)letter["discardReason"]));
        Assert.Equal(["Replayed", "Discarded", "NotFound"], await OutcomesAsync("/api/v1/dead-letters/replay", keys));

        // A carrier's key lists its own letters and no other carrier's.
        using var carrier = factory.CreateClient();
        carrier.DefaultRequestHeaders.Authorization = TestKeys.Bearer(await MintAsync("carrier:K-DLB"));
        var own = await carrier.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/dead-letters", UriKind.Relative));
        Assert.Equal(["DLB-1"], own!["items"]!.AsArray().Select(item => (string?)item!["carrierEvent"]!["eventId"]));
        using var foreign = await carrier.GetAsync(new Uri("/api/v1/dead-letters?partner=K-DLA", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Theory]
    [InlineData("""{"items":[]}""", "items")]
    [InlineData("""{"items":[{"carrierId":"bad id","eventId":"E"}]}""", "items[0].carrierId")]
    [InlineData("""{"items":[{"carrierId":"K","eventId":"E"}]}""", "reason")]
    public async Task A_bad_discard_names_the_field_and_discards_nothing(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(new Uri("/api/v1/dead-letters/discard", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Contains(field, errors.Select(pair => pair.Key));
    }

    private static JsonObject Event(string eventId, string carrierId, string shipmentId) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = carrierId, ["shipmentId"] = shipmentId, ["milestone"] = "PickedUp",
        ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-2),
    };

    private async Task SendAsync(string path, params JsonObject[] events)
    {
        using var response = await admin.PostAsJsonAsync(new Uri(path, UriKind.Relative), new JsonArray([.. events]));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<List<string>> ListAsync(string path)
    {
        var page = await admin.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative));
        return [.. page!["items"]!.AsArray().Select(item => $"{item!["carrierEvent"]!["carrierId"]}/{item["carrierEvent"]!["eventId"]}")];
    }

    private async Task<List<string?>> OutcomesAsync(string path, object body)
    {
        using var response = await admin.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        return [.. results.Select(result => (string?)result!["outcome"])];
    }

    private async Task<string> MintAsync(string role)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = "dl-" + role, roles = new[] { role } });
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
    }
}
