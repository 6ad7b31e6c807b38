using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>The embedded API with a receiver on loopback, allow-listed, and retries fast enough for a test.</summary>
public sealed class WebhookGrid : IAsyncLifetime
{
    public WebhookReceiver Receiver { get; private set; } = null!;

    public WebApplicationFactory<Program> Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Api = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Orleans:SiloPort", LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:ClusterId", $"webhook-tests-{Guid.NewGuid():N}");
            builder.UseSetting("Auth:BootstrapKey", TestKeys.Admin);
            builder.UseSetting("Webhooks:AllowedHosts:0", "127.0.0.1");
            builder.UseSetting("Webhooks:RetryBaseDelay", "00:00:00.050");
            builder.UseSetting("Webhooks:RetryMaxDelay", "00:00:00.200");
            builder.UseSetting("Webhooks:DisableAfterFailures", "3");
            builder.UseSetting("Webhooks:PollInterval", "00:00:00.050");
        });
    }

    public HttpClient Admin()
    {
        var client = Api.CreateClient();
        client.DefaultRequestHeaders.Authorization = TestKeys.Bearer(TestKeys.Admin);
        return client;
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>
/// Notifications the grid produces reach subscribers signed, once, with their stable id; a failing subscriber is retried,
/// then disabled, while a healthy one keeps receiving; rotation signs with both secrets during the overlap.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookGrid grid) : IClassFixture<WebhookGrid>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly HttpClient admin = grid.Admin();

    [Fact]
    public async Task A_delivery_exception_reaches_the_subscriber_once_signed_with_the_notification_id()
    {
        var (id, secret) = await SubscribeAsync("single", "C-WH1");

        await DamagedShipmentAsync("C-WH1", "K-WH1", "S-WH1");

        var received = await Eventually.Succeeds(
            () => Task.FromResult(grid.Receiver.To("single").Single()), Deadline, "the exception's notification at the subscriber");
        Assert.Equal("application/json", received.ContentType);
        Assert.True(SignatureVerifier.Verifies(secret, received.Id, received.Timestamp, received.Signature, received.Body, DateTimeOffset.UtcNow));
        var payload = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal((received.Id, "ExceptionOpened", "C-WH1"), ((string?)payload["id"], (string?)payload["type"], (string?)payload["data"]!["customerId"]));
        var notifications = await admin.GetFromJsonAsync<JsonObject>("/api/v1/customers/C-WH1/notifications");
        Assert.Contains(notifications!["items"]!.AsArray(), notification => (string?)notification!["notificationId"] == received.Id);

        var log = await Eventually.Succeeds(
            async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/webhooks/{id}/deliveries"))!["items"]!.AsArray().Single()!,
            Deadline,
            "the delivery log's entry");
        Assert.Equal((received.Id, true, 204), ((string?)log["notificationId"], (bool)log["succeeded"]!, (int?)log["statusCode"]));

        // Redelivery sends the same notification again, with the same id.
        using (var redelivered = await admin.PostAsJsonAsync($"/api/v1/webhooks/{id}/redeliver", new { notificationId = received.Id }))
        {
            Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        }

        await Eventually.Holds(() => Task.FromResult(grid.Receiver.To("single").Count == 2), Deadline, "the redelivery");
        Assert.All(grid.Receiver.To("single"), request => Assert.Equal(received.Id, request.Id));
    }

    [Fact]
    public async Task A_failing_subscriber_is_retried_then_disabled_while_a_healthy_one_keeps_receiving_and_it_resumes_when_re_enabled()
    {
        grid.Receiver.Answer("failing", 500);
        var (failing, _) = await SubscribeAsync("failing", "C-WH2");
        var (healthy, healthySecret) = await SubscribeAsync("healthy", "C-WH2");

        await DamagedShipmentAsync("C-WH2", "K-WH2", "S-WH2");

        var delivered = await Eventually.Succeeds(
            () => Task.FromResult(grid.Receiver.To("healthy").Single()), Deadline, "the healthy subscriber's notification");
        Assert.True(SignatureVerifier.Verifies(healthySecret, delivered.Id, delivered.Timestamp, delivered.Signature, delivered.Body, DateTimeOffset.UtcNow));
        var disabled = await Eventually.Succeeds(
            async () => await admin.GetFromJsonAsync<JsonObject>($"/api/v1/webhooks/{failing}") is { } view && !(bool)view["enabled"]!
                ? view
                : throw new InvalidOperationException("still enabled"),
            Deadline,
            "the failing subscription disabled");
        Assert.Equal((3, "Disabled after 3 failed deliveries in a row."), ((int)disabled["consecutiveFailures"]!, (string?)disabled["disabledReason"]));
        var attempts = grid.Receiver.To("failing");
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, attempt => Assert.Equal(delivered.Id, attempt.Id));
        var log = (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/webhooks/{failing}/deliveries"))!["items"]!.AsArray();
        Assert.Equal([3, 2, 1], log.Select(entry => (int)entry!["attempt"]!));
        Assert.All(log, entry => Assert.Equal((false, 500), ((bool)entry!["succeeded"]!, (int?)entry["statusCode"])));

        // The shipment's story shows its notification's deliveries to both subscribers, newest first.
        var story = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/shipments/S-WH2/story"))!["webhookDeliveries"]!.AsArray();
        Assert.Equal(
            [(failing, false, 3), (failing, false, 2), (failing, false, 1), (healthy, true, 1)],
            story.Select(entry => ((string)entry!["subscriptionId"]!, (bool)entry["succeeded"]!, (int)entry["attempt"]!)).OrderBy(entry => entry.Item2).ThenByDescending(entry => entry.Item3));
        Assert.All(story, entry => Assert.Equal(delivered.Id, (string?)entry!["notificationId"]));

        grid.Receiver.Answer("failing", 200);
        using (var enabled = await admin.PatchAsJsonAsync($"/api/v1/webhooks/{failing}", new { enabled = true }))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }

        await Eventually.Holds(() => Task.FromResult(grid.Receiver.To("failing").Count == 4), Deadline, "the pending delivery after re-enabling");
        Assert.Single(grid.Receiver.To("healthy"));
    }

    [Fact]
    public async Task After_a_rotation_both_secrets_sign_during_the_overlap()
    {
        var (id, first) = await SubscribeAsync("rotated", "C-WH3");
        using var rotation = await admin.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null);
        var second = (string)(await rotation.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!;

        await DamagedShipmentAsync("C-WH3", "K-WH3", "S-WH3");

        var received = await Eventually.Succeeds(
            () => Task.FromResult(grid.Receiver.To("rotated").Single()), Deadline, "the notification signed twice");
        Assert.Equal(2, SignatureVerifier.Count(received.Signature));
        Assert.True(SignatureVerifier.Verifies(first, received.Id, received.Timestamp, received.Signature, received.Body, DateTimeOffset.UtcNow));
        Assert.True(SignatureVerifier.Verifies(second, received.Id, received.Timestamp, received.Signature, received.Body, DateTimeOffset.UtcNow));
    }

    private async Task<(string Id, string Secret)> SubscribeAsync(string name, string customerId)
    {
        using var response = await admin.PostAsJsonAsync(
            "/api/v1/webhooks", new { url = grid.Receiver.UrlOf(name), eventTypes = new JsonArray("ExceptionOpened"), customerId });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return ((string)body["subscription"]!["subscriptionId"]!, (string)body["secret"]!);
    }

    /// <summary>A customer's shipment whose carrier reports it damaged: the grid opens an exception and queues its notification.</summary>
    private async Task DamagedShipmentAsync(string customerId, string carrierId, string shipmentId)
    {
        using (var customer = await admin.PostAsJsonAsync("/api/v1/customers", SampleBookings.Customer(customerId)))
        {
            Assert.True(customer.IsSuccessStatusCode, await customer.Content.ReadAsStringAsync());
        }

        var profile = new JsonObject
        {
            ["carrierId"] = carrierId, ["scac"] = "WHKS", ["name"] = "Carrier " + carrierId,
            ["milestoneCodes"] = new JsonObject { ["AF"] = "PickedUp" }, ["exceptionCodes"] = new JsonObject { ["SD"] = "Delayed" },
            ["chargeCodes"] = new JsonObject { ["400"] = "Linehaul" },
            ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
        };
        using (var carrier = await admin.PutAsync($"/api/v1/carriers/{carrierId}", new StringContent(profile.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            Assert.True(carrier.IsSuccessStatusCode, await carrier.Content.ReadAsStringAsync());
        }

        using (var booked = await admin.PostAsJsonAsync("/api/v1/shipments", SampleBookings.Booking(shipmentId, customerId, carrierId)))
        {
            Assert.True(booked.IsSuccessStatusCode, await booked.Content.ReadAsStringAsync());
        }

        var damaged = new JsonObject
        {
            ["eventId"] = $"{shipmentId}-X", ["carrierId"] = carrierId, ["shipmentId"] = shipmentId, ["deliveryException"] = "Damaged",
            ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
        };
        using var reported = await admin.PostAsJsonAsync("/api/v1/carrier-events", new JsonArray(damaged));
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
    }
}
