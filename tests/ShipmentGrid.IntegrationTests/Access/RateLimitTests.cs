using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Api;

namespace ShipmentGrid.IntegrationTests.Access;

/// <summary>Per-key limits on requests and on carrier events answer 429 problem+json with Retry-After, and a refused batch applies nothing.</summary>
public sealed class RateLimitTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    [Fact]
    public async Task A_key_past_its_request_rate_gets_429_with_retry_after()
    {
        using var limited = factory.WithWebHostBuilder(builder => builder.UseSetting("Auth:RequestsPerSecond", "1"));
        using var http = limited.CreateClient();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 50 && refused is null; i++)
        {
            var response = await http.GetAsync(new Uri("/api/v1/journal/lag", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task A_batch_past_the_keys_event_allowance_is_429_and_none_of_it_is_applied()
    {
        using var limited = factory.WithWebHostBuilder(builder => builder.UseSetting("Auth:EventsPerSecond", "5"));
        using var http = limited.CreateClient();
        using (var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-RATE")))
        using (var booked = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking("S-RATE", "C-RATE", "K-RATE")))
        {
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

        // The allowance holds 10 events: a batch of 11 takes the whole, full bucket; the next batch finds it empty.
        using (var first = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), Batch(0)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), Batch(100));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var history = await http.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/S-RATE/history", UriKind.Relative));
        Assert.Equal(1 + 11, history!.Count);
    }

    private static JsonArray Batch(int first) => new([.. Enumerable.Range(first, 11).Select(i => (JsonNode)new JsonObject
    {
        ["eventId"] = $"RATE-{i}", ["carrierId"] = "K-RATE", ["shipmentId"] = "S-RATE", ["milestone"] = "InTransit",
        ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-12).AddMinutes(i),
    })]);
}
