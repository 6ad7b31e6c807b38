using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Api;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>
/// Past the API process's admission limit and its queue, a request is answered 503 problem+json with Retry-After at
/// once instead of waiting to time out; probes and scrapes still pass, and the request is served again once a place
/// is free.
/// </summary>
public sealed class AdmissionTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    [Fact]
    public async Task A_request_past_the_limit_and_its_queue_is_503_with_retry_after_and_probes_still_pass()
    {
        using var limited = OnePlaceNoQueue();
        using var http = limited.CreateClient();
        var lag = new Uri("/api/v1/journal/lag", UriKind.Relative);
        using (var served = await http.GetAsync(lag))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // The test holds the only place, as a request in flight would.
        var admission = limited.Services.GetRequiredService<AdmissionLimiter>();
        using (var held = admission.Limiter.AttemptAcquire())
        {
            Assert.True(held.IsAcquired);
            using var refused = await http.GetAsync(lag);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("https://shipment-grid.dev/problems/overloaded", (string?)problem?["type"]);

            using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var again = await http.GetAsync(lag);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_refused_write_changes_nothing()
    {
        using var limited = OnePlaceNoQueue();
        using var http = limited.CreateClient();
        var admission = limited.Services.GetRequiredService<AdmissionLimiter>();
        using (var held = admission.Limiter.AttemptAcquire())
        {
            using var refused = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-ADMIT"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        using var read = await http.GetAsync(new Uri("/api/v1/customers/C-ADMIT", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    private WebApplicationFactory<Program> OnePlaceNoQueue() => factory.WithWebHostBuilder(builder => builder
        .UseSetting("Api:Admission:MaxConcurrentRequests", "1")
        .UseSetting("Api:Admission:QueueLimit", "0"));
}
