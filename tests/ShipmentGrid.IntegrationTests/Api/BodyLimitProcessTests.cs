using System.Net;
using System.Text;
using System.Text.Json;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>
/// Body limits per route, against the real server (the in-process test server does not enforce them): Kestrel stops
/// reading past the route's limit, declared or chunked, and the caller gets 413 problem+json; nothing is changed.
/// </summary>
public sealed class BodyLimitProcessTests
{
    [Fact]
    public async Task A_body_over_the_routes_limit_is_413_problem_json_before_it_is_read_and_changes_nothing()
    {
        var environment = new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var api = GridProcess.Start("api", "Client.Api", "ShipmentGrid.Api.dll", environment);
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        // 100 KB: over the 64 KiB of /api/v1, declared up front and sent chunked.
        var customer = JsonSerializer.Serialize(new { customerId = "C-HUGE", name = new string('n', 100_000), billingCurrency = "USD", creditLimit = 1, paymentTermsDays = 1 });
        await AssertTooLargeAsync(await SendAsync(http, "api/v1/customers", customer, chunked: false), "65536");
        await AssertTooLargeAsync(await SendAsync(http, "api/v1/customers", customer, chunked: true), "65536");
        using (var read = await http.GetAsync(new Uri("api/v1/customers/C-HUGE", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }

        // Carrier-event batches take up to 1 MiB: 300 KB passes the limit (and is judged per event), 1.3 MB does not.
        using (var batch = await SendAsync(http, "api/v1/carrier-events/stream", Events(count: 200, eventPrefix: "E-FITS"), chunked: true))
        {
            Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        }

        await AssertTooLargeAsync(await SendAsync(http, "api/v1/carrier-events/stream", Events(count: 800, eventPrefix: "E-HUGE"), chunked: true), "1048576");
        using var outcome = await http.GetAsync(new Uri("api/v1/carrier-events/CARR-LIMIT/E-HUGE-0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, outcome.StatusCode);
    }

    private static string Events(int count, string eventPrefix) => JsonSerializer.Serialize(Enumerable.Range(0, count).Select(i => new
    {
        eventId = $"{eventPrefix}-{i}",
        carrierId = "CARR-LIMIT",
        shipmentId = "SHP-LIMIT",
        milestone = "PickedUp",
        occurredAt = "2026-01-01T00:00:00Z",
        notes = new string('n', 1_400),
    }));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string body, bool chunked)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = chunked;
        return await http.SendAsync(request);
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response, string limit)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Contains(limit, problem.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
        }
    }
}
