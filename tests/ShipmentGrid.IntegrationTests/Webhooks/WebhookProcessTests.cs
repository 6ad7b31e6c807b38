using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Cluster;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>
/// PostgreSQL mode with its own processes: a subscription made through one API process is delivered by another, which
/// decrypts its secret through the shared key ring, once, from the notification the silo's journal reader queued.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class WebhookProcessTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, string> Webhooks = new()
    {
        ["Webhooks__AllowedHosts__0"] = "127.0.0.1",
        ["Webhooks__PollInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task A_subscription_made_through_one_api_process_is_delivered_once_and_signed_by_another()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("webhooks_processes"));
        await using var silo = await cluster.StartSiloAsync("silo-1");
        string subscriptionId, secret;
        await using (var first = await cluster.StartApiAsync(name: "api-1", settings: Webhooks))
        {
            using var http = Client(first);
            using var created = await http.PostAsJsonAsync(
                new Uri("api/v1/webhooks", UriKind.Relative),
                new { url = receiver.UrlOf("pg"), eventTypes = new JsonArray("ExceptionOpened"), customerId = "C-PG" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
            (subscriptionId, secret) = ((string)body["subscription"]!["subscriptionId"]!, (string)body["secret"]!);
        }

        await using var second = await cluster.StartApiAsync(name: "api-2", settings: Webhooks);
        using var admin = Client(second);
        await PostAsync(admin, "api/v1/customers", JsonSerializerOf(SampleBookings.Customer("C-PG")));
        await PutCarrierAsync(admin, "K-PG");
        await PostAsync(admin, "api/v1/shipments", JsonSerializerOf(SampleBookings.Booking("S-PG", "C-PG", "K-PG")));
        await PostAsync(admin, "api/v1/carrier-events", new JsonArray(new JsonObject
        {
            ["eventId"] = "S-PG-X", ["carrierId"] = "K-PG", ["shipmentId"] = "S-PG", ["deliveryException"] = "Damaged",
            ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
        }).ToJsonString());

        var logged = await Eventually.Succeeds(
            async () => (await admin.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/webhooks/{subscriptionId}/deliveries", UriKind.Relative)))!["items"]!
                .AsArray().Single(entry => (bool)entry!["succeeded"]!)!,
            TimeSpan.FromSeconds(60),
            "the delivery logged as succeeded");
        var received = Assert.Single(receiver.To("pg"));
        Assert.Equal((string?)logged["notificationId"], received.Id);
        Assert.True(SignatureVerifier.Verifies(secret, received.Id, received.Timestamp, received.Signature, received.Body, DateTimeOffset.UtcNow));
    }

    private static HttpClient Client(GridProcess api)
    {
        var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = TestKeys.Bearer(TestKeys.Admin);
        return http;
    }

    private static string JsonSerializerOf<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, System.Text.Json.JsonSerializerOptions.Web);

    private static async Task PostAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task PutCarrierAsync(HttpClient http, string carrierId)
    {
        var profile = new JsonObject
        {
            ["carrierId"] = carrierId, ["scac"] = "PGWH", ["name"] = "Carrier " + carrierId,
            ["milestoneCodes"] = new JsonObject(), ["exceptionCodes"] = new JsonObject(), ["chargeCodes"] = new JsonObject(),
            ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
        };
        using var response = await http.PutAsync(new Uri($"api/v1/carriers/{carrierId}", UriKind.Relative), new StringContent(profile.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
