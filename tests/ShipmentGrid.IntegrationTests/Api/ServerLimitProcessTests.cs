using System.Net;
using System.Text;
using System.Text.Json;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>
/// What the real server (Kestrel) refuses before the application, which the in-process test server does not show:
/// bodies over a route's limit, and a NUL in the path.
/// </summary>
public sealed class ServerLimitProcessTests
{
    /// <summary>
    /// Kestrel stops reading past the route's limit, declared or chunked, and the caller gets 413 problem+json; nothing
    /// is changed.
    /// </summary>
    [Fact]
    public async Task A_body_over_the_routes_limit_is_413_problem_json_before_it_is_read_and_changes_nothing()
    {
        await using var api = await StartAsync();
        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(100));

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

    /// <summary>
    /// Kestrel refuses to decode <c>%00</c> in a request target and answers 400 itself, with no body, before any middleware
    /// or route runs (not customisable). What the grid can promise: the request is refused, the connection closed, and
    /// the process serves the next request.
    /// </summary>
    [Fact]
    public async Task A_nul_in_the_path_is_refused_by_the_server_and_hurts_nothing()
    {
        await using var api = await StartAsync();
        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(100));

        using (var nul = await http.GetAsync(new Uri("api/v1/customers/%00", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
            Assert.True(nul.Headers.ConnectionClose);
        }

        using var next = await http.GetAsync(new Uri("api/v1/customers/C-AFTER-NUL", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, next.StatusCode);
        Assert.Equal("application/problem+json", next.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<GridProcess> StartAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var api = GridProcess.Start("api", "Client.Api", "ShipmentGrid.Api.dll", environment);
        try
        {
            await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
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
