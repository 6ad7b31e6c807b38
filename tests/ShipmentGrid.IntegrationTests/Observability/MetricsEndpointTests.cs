using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// The API's <c>/metrics</c> after some carrier traffic: the business series with their values and bounded labels, the
/// cluster-wide gauges, Orleans' meter; no label names a customer or a shipment.
/// </summary>
[Collection(MetricsIsolation.Name)]
public sealed class MetricsEndpointTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    // A carrier of its own: other test classes' grids in this process count on the same meter name.
    private const string Carrier = "K-METRICS";
    private const string Customer = "C-METRICS";
    private const string Shipment = "S-METRICS-1";
    private const string Unbooked = "S-METRICS-NONE";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task A_scrape_after_traffic_shows_the_business_series_with_carrier_and_source_and_no_customer_or_shipment_id()
    {
        using (var customer = await admin.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(Customer)))
        {
            Assert.True(customer.IsSuccessStatusCode, await customer.Content.ReadAsStringAsync());
        }

        using (var booked = await admin.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(Shipment, Customer, Carrier)))
        {
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

        // Applied, then the same event again (a duplicate), then one for a shipment nobody booked (dead-lettered).
        await SendAsync(Event("M-1", Shipment));
        await SendAsync(Event("M-1", Shipment));
        await SendAsync(Event("M-2", Unbooked));

        // The dead letter's exception item is projected by a journal reader after the answer, so the gauges are read
        // again until it shows.
        var samples = await Eventually.Succeeds(
            async () =>
            {
                await factory.Services.GetRequiredService<ClusterGauges>().RefreshAsync(CancellationToken.None);
                var scraped = await ScrapeAsync();
                return Value(scraped, "shipment_grid_carrier_events_received_total") == 3
                    && scraped.Any(sample => sample.Name == "shipment_grid_exceptions_open" && sample.Has("shipment_grid_exception_queue", "dead-letter"))
                    ? scraped
                    : throw new InvalidOperationException(
                        $"received {Value(scraped, "shipment_grid_carrier_events_received_total")}, dead-letter queue series: {scraped.Count(sample => sample.Name == "shipment_grid_exceptions_open" && sample.Has("shipment_grid_exception_queue", "dead-letter"))}");
            },
            Deadline,
            "three events received and the dead letter's exception item counted");

        Assert.Equal(1, Value(samples, "shipment_grid_carrier_events_duplicates_total"));
        Assert.Equal(1, Value(samples, "shipment_grid_carrier_events_rejected_total", ("shipment_grid_rejection_reason", "ShipmentNotBooked")));
        Assert.Equal(1, Value(samples, "shipment_grid_carrier_events_dead_lettered_total", ("shipment_grid_rejection_reason", "ShipmentNotBooked")));
        Assert.True(Gauge(samples, "shipment_grid_exceptions_open", ("shipment_grid_exception_queue", "dead-letter"), ("shipment_grid_exception_age", "under_1h")) >= 1);
        Assert.Contains(samples, sample => sample.Name == "shipment_grid_exceptions_oldest_open_age_seconds" && sample.Has("shipment_grid_exception_queue", "credit-hold"));
        Assert.Contains(samples, sample => sample.Name == "shipment_grid_invoices_on_hold");
        Assert.Contains(samples, sample => sample.Name.StartsWith("orleans_", StringComparison.Ordinal));

        var ids = new HashSet<string>([Customer, Shipment, Unbooked, "M-1", "M-2"], StringComparer.Ordinal);
        var leaks = samples.Where(sample => sample.Labels.Values.Any(ids.Contains)).Select(sample => sample.Name).Distinct().ToList();
        Assert.True(leaks.Count == 0, "Series with a customer, shipment or event id as a label: " + string.Join(", ", leaks));
    }

    /// <summary>
    /// A delivery 20 minutes after its planned delivery lands in the carrier's lateness histogram between the 15- and
    /// 30-minute tolerances, so an SLA of 30 minutes counts it as met and one of 15 minutes does not.
    /// </summary>
    [Fact]
    public async Task A_late_delivery_is_judged_in_its_carriers_lateness_histogram()
    {
        const string carrier = "K-METRICS-SLA";
        var planned = DateTimeOffset.UtcNow.AddHours(-1);
        using (var customer = await admin.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(Customer)))
        using (var booked = await admin.PostAsJsonAsync(
            new Uri("/api/v1/shipments", UriKind.Relative),
            SampleBookings.Booking("S-METRICS-SLA", Customer, carrier) with { PlannedPickup = planned.AddDays(-1), PlannedDelivery = planned }))
        {
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

        foreach (var (milestone, at) in new[] { ("PickedUp", planned.AddHours(-20)), ("Delivered", planned.AddMinutes(20)) })
        {
            await SendAsync(new JsonObject
            {
                ["eventId"] = "SLA-" + milestone, ["carrierId"] = carrier, ["shipmentId"] = "S-METRICS-SLA", ["milestone"] = milestone, ["occurredAt"] = at,
            });
        }

        var samples = await ScrapeAsync();
        double Bucket(string bound) => samples
            .Where(sample => sample.Name == "shipment_grid_delivery_lateness_seconds_bucket" && sample.Has("shipment_grid_carrier_id", carrier) && sample.Has("le", bound))
            .Sum(sample => sample.Value);
        Assert.Equal(0, Bucket("900"));
        Assert.Equal(1, Bucket("1800"));
        Assert.Equal(1, samples.Where(sample => sample.Name == "shipment_grid_delivery_lateness_seconds_count" && sample.Has("shipment_grid_carrier_id", carrier)).Sum(sample => sample.Value));
    }

    [Fact]
    public async Task Metrics_need_a_staff_key_on_the_API()
    {
        using var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        anonymous.DefaultRequestHeaders.Authorization = null;

        using var response = await anonymous.GetAsync(new Uri(ObservabilityExtensions.MetricsPath, UriKind.Relative));

        // Without a key the caller is sent to sign in (a browser) and gets no figures.
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Found });
        Assert.DoesNotContain("shipment_grid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static JsonObject Event(string eventId, string shipmentId) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = Carrier, ["shipmentId"] = shipmentId, ["milestone"] = "PickedUp",
        ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-2),
    };

    /// <summary>The counter of this test's carrier from the JSON API, with the labels given.</summary>
    private static double Value(List<PrometheusSample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(sample => sample.Name == name && sample.Has("shipment_grid_carrier_id", Carrier) && sample.Has("shipment_grid_event_source", "api")
                && labels.All(label => sample.Has(label.Label, label.Value)))
            .Sum(sample => sample.Value);

    private static double Gauge(List<PrometheusSample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(sample => sample.Name == name && labels.All(label => sample.Has(label.Label, label.Value))).Max(sample => sample.Value);

    private async Task SendAsync(JsonObject carrierEvent)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), new JsonArray(carrierEvent));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<List<PrometheusSample>> ScrapeAsync()
    {
        using var response = await admin.GetAsync(new Uri(ObservabilityExtensions.MetricsPath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }
}
