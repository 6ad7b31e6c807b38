using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Api;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>Admins subscribe, list, disable, re-enable, rotate and delete; the grid refuses targets inside its own network.</summary>
public sealed class WebhookSubscriptionApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient admin = factory.CreateClient();

    [Theory]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://10.1.2.3/hooks")]
    [InlineData("https://192.168.0.10/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("http://crm.example.com/hooks")]
    [InlineData("ftp://crm.example.com/hooks")]
    [InlineData("https://user:pass@crm.example.com/hooks")]
    [InlineData("/relative")]
    public async Task A_target_inside_the_network_or_not_https_is_refused_without_the_allow_list_and_nothing_is_made(string url)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/webhooks", new { url, eventTypes = new JsonArray("ExceptionOpened") });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.NotNull(problem!["errors"]!["url"]);
        var listed = await admin.GetFromJsonAsync<JsonObject>("/api/v1/webhooks");
        Assert.DoesNotContain(listed!["items"]!.AsArray(), item => (string?)item!["url"] == url);
    }

    [Fact]
    public async Task Unknown_event_types_and_a_bad_customer_id_are_field_errors()
    {
        using var response = await admin.PostAsJsonAsync(
            "/api/v1/webhooks", new { url = "https://93.184.215.14/hooks", eventTypes = new JsonArray("Nope", "1"), customerId = "bad id" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["customerId", "eventTypes"], errors.Select(pair => pair.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_subscription_is_made_with_a_secret_shown_once_disabled_re_enabled_rotated_and_deleted()
    {
        using var created = await admin.PostAsJsonAsync(
            "/api/v1/webhooks",
            new { url = "https://93.184.215.14/hooks", eventTypes = new JsonArray("exceptionOpened", "DeliveryConfirmed"), customerId = "C-WH", description = "CRM" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var secret = (string)body["secret"]!;
        var id = (string)body["subscription"]!["subscriptionId"]!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(["DeliveryConfirmed", "ExceptionOpened"], body["subscription"]!["eventTypes"]!.AsArray().Select(kind => (string?)kind));

        var read = await admin.GetStringAsync($"/api/v1/webhooks/{id}");
        Assert.DoesNotContain(secret, read, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", await admin.GetStringAsync("/api/v1/webhooks"), StringComparison.Ordinal);

        var disabled = await PatchAsync(id, new { enabled = false, reason = "CRM upgrade" });
        Assert.Equal((false, "CRM upgrade"), ((bool)disabled["enabled"]!, (string?)disabled["disabledReason"]));
        var enabled = await PatchAsync(id, new { enabled = true });
        Assert.Equal((true, null), ((bool)enabled["enabled"]!, (string?)enabled["disabledReason"]));

        using var rotated = await admin.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var rotation = (await rotated.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotEqual(secret, (string)rotation["secret"]!);
        var rotatedAt = (DateTimeOffset)rotation["subscription"]!["secretRotatedAt"]!;
        Assert.Equal(rotatedAt.AddHours(24), (DateTimeOffset)rotation["subscription"]!["previousSecretExpiresAt"]!);

        using (var deleted = await admin.DeleteAsync($"/api/v1/webhooks/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await admin.GetAsync($"/api/v1/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private async Task<JsonObject> PatchAsync(string id, object body)
    {
        using var response = await admin.PatchAsJsonAsync($"/api/v1/webhooks/{id}", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
