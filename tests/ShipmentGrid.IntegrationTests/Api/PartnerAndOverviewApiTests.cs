using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>Carrier partners' profiles, and the customer overview that gathers shipments with their invoices, and cases.</summary>
public sealed class PartnerAndOverviewApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task A_carrier_registers_once_and_a_changed_mapping_is_the_next_version()
    {
        using var created = await http.PutAsJsonAsync(Carrier("CARR-PT-1"), CarrierProfile("CARR-PT-1"));
        using var again = await http.PutAsJsonAsync(Carrier("CARR-PT-1"), CarrierProfile("CARR-PT-1"));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (created.StatusCode, again.StatusCode));
        Assert.Equal(1, (int?)(await again.Content.ReadFromJsonAsync<JsonObject>())?["version"]);

        var remapped = CarrierProfile("CARR-PT-1");
        remapped["chargeCodes"]!["405"] = "FuelSurcharge";
        using var updated = await http.PutAsJsonAsync(Carrier("CARR-PT-1"), remapped);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var read = await http.GetFromJsonAsync<JsonObject>(Carrier("CARR-PT-1"));
        Assert.Equal(2, (int?)read?["version"]);
        Assert.Equal(("FSTF", "FastFreight Logistics"), ((string?)read?["profile"]?["scac"], (string?)read?["profile"]?["name"]));
        Assert.Equal("FuelSurcharge", (string?)read?["profile"]?["chargeCodes"]?["405"]);
        Assert.Equal("Delivered", (string?)read?["profile"]?["milestoneCodes"]?["D1"]);
    }

    [Fact]
    public async Task An_invalid_carrier_profile_gets_field_errors_and_registers_nothing()
    {
        var profile = CarrierProfile("CARR-PT-BAD");
        profile["scac"] = "fast1";
        profile["name"] = "";
        profile["milestoneCodes"]![""] = "PickedUp";
        using var invalid = await http.PutAsJsonAsync(Carrier("CARR-PT-BAD"), profile);
        using var elsewhere = await http.PutAsJsonAsync(Carrier("CARR-PT-OTHER"), CarrierProfile("CARR-PT-BAD"));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (invalid.StatusCode, elsewhere.StatusCode));
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["milestoneCodes", "name", "scac"], await ErrorFieldsAsync(invalid));
        Assert.Equal(["carrierId"], await ErrorFieldsAsync(elsewhere));
        using var missing = await http.GetAsync(Carrier("CARR-PT-BAD"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task An_unknown_carrier_is_404_problem_details()
    {
        using var response = await http.GetAsync(Carrier("CARR-NOBODY"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_overview_lists_the_customers_shipments_posted_invoice_and_open_delivery_exception_case()
    {
        using var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("CUST-OV"));
        Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        await BookAsync("SHP-OV-1");
        var booked = await OverviewWhenAsync(o => Shipment(o, "SHP-OV-1") is not null, "the booked shipment in the overview");
        Assert.Equal("Booked", (string?)Shipment(booked, "SHP-OV-1")?["status"]);
        Assert.Equal("NotReady", (string?)Shipment(booked, "SHP-OV-1")?["billingStatus"]);
        Assert.Null((string?)Shipment(booked, "SHP-OV-1")?["invoiceStatus"]);

        var at = DateTimeOffset.UtcNow;
        await PostEventsAsync(
            Event("SHP-OV-1-1", "SHP-OV-1", "milestone", "PickedUp", at.AddDays(-2)),
            Event("SHP-OV-1-2", "SHP-OV-1", "milestone", "Delivered", at.AddDays(-1)),
            Event("SHP-OV-1-3", "SHP-OV-1", "milestone", "ProofOfDelivery", at.AddHours(-20)));
        await ChargeAsync("SHP-OV-1", "LH-SHP-OV-1", "Linehaul", 1200m);
        await ChargeAsync("SHP-OV-1", "FS-SHP-OV-1", "FuelSurcharge", 180m);
        // The invoice records its posting before the customer books the receivable: wait for both.
        var invoiced = await OverviewWhenAsync(
            o => (string?)Shipment(o, "SHP-OV-1")?["invoiceStatus"] == "Posted" && (decimal?)o["credit"]?["openReceivables"]?["amount"] > 0m,
            "the posted invoice and its receivable in the overview");
        Assert.Equal("INV-SHP-OV-1", (string?)Shipment(invoiced, "SHP-OV-1")?["invoiceNumber"]);
        Assert.Equal(1380m, (decimal?)invoiced["credit"]?["openReceivables"]?["amount"]);
        Assert.Equal(false, (bool?)invoiced["credit"]?["creditHold"]);

        await BookAsync("SHP-OV-2");
        await PostEventsAsync(Event("SHP-OV-2-X", "SHP-OV-2", "deliveryException", "Damaged", at.AddHours(-3)));
        var overview = await OverviewWhenAsync(
            o => o["openCases"]!["items"]!.AsArray().Count == 1 && Shipment(o, "SHP-OV-2") is not null, "the open delivery-exception case in the overview");
        var openCase = overview["openCases"]!["items"]![0];
        Assert.Equal(("SHP-OV-2", "DeliveryException"), ((string?)openCase?["shipmentId"], (string?)openCase?["reason"]));
        Assert.Equal(["SHP-OV-2", "SHP-OV-1"], overview["shipments"]!["items"]!.AsArray().Select(s => (string?)s?["shipmentId"]));
        Assert.Equal("Invoiced", (string?)Shipment(overview, "SHP-OV-1")?["billingStatus"]);
        Assert.Equal("INV-SHP-OV-1", (string?)Shipment(overview, "SHP-OV-1")?["invoiceNumber"]);
        Assert.Equal("Acme Industrial", (string?)overview["profile"]?["name"]);
    }

    [Fact]
    public async Task The_overview_pages_the_customers_shipments_from_the_read_models_without_activating_them()
    {
        using var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("CUST-OV-MANY"));
        Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        var booked = Enumerable.Range(0, 25).Select(index => $"SHP-OVM-{index:D2}").ToArray();
        foreach (var shipmentId in booked)
        {
            using var response = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipmentId, "CUST-OV-MANY"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await Eventually.Holds(
            async () => (await ApiPages.AllAsync(http, "/api/v1/customers/CUST-OV-MANY/shipments")).Count == booked.Length, Deadline, "every shipment listed");
        var management = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        Assert.True(await ActivationsAsync(management) > 0, "the booked shipments are active before collection");
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(0, await ActivationsAsync(management));

        var overview = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/customers/CUST-OV-MANY/overview", UriKind.Relative));
        var first = overview!["shipments"]!["items"]!.AsArray().Select(item => (string)item!["shipmentId"]!).ToArray();
        var next = (string)overview["shipments"]!["next"]!;
        var rest = await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/customers/CUST-OV-MANY/shipments?after={Uri.EscapeDataString(next)}", UriKind.Relative));

        Assert.Equal(0, await ActivationsAsync(management));
        Assert.Equal(20, first.Length);
        Assert.Equal(
            booked.Reverse(),
            first.Concat(rest!["items"]!.AsArray().Select(item => (string)item!["shipmentId"]!)));
        Assert.Null((string?)rest["next"]);
    }

    [Fact]
    public async Task The_overview_of_an_unknown_customer_is_404_problem_details()
    {
        using var response = await http.GetAsync(new Uri("/api/v1/customers/NOBODY-OV/overview", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Shipment and invoice activations in the silo.</summary>
    private static async Task<int> ActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics())
            .Where(statistic => statistic.GrainType.Contains(typeof(Shipments.ShipmentGrain).FullName!, StringComparison.Ordinal)
                || statistic.GrainType.Contains(typeof(Billing.InvoiceGrain).FullName!, StringComparison.Ordinal))
            .Sum(statistic => statistic.ActivationCount);

    private static Uri Carrier(string carrierId) => new($"/api/v1/carriers/{carrierId}", UriKind.Relative);

    private static JsonObject CarrierProfile(string carrierId) => new()
    {
        ["carrierId"] = carrierId,
        ["scac"] = "FSTF",
        ["name"] = "FastFreight Logistics",
        ["milestoneCodes"] = new JsonObject { ["AF"] = "PickedUp", ["X6"] = "InTransit", ["D1"] = "Delivered" },
        ["exceptionCodes"] = new JsonObject { ["SD"] = "Delayed", ["A9"] = "Damaged" },
        ["chargeCodes"] = new JsonObject { ["400"] = "Linehaul", ["FUE"] = "FuelSurcharge" },
        ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
    };

    private static JsonObject Event(string eventId, string shipmentId, string kind, string value, DateTimeOffset occurredAt) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = "CARR-1", ["shipmentId"] = shipmentId, [kind] = value, ["occurredAt"] = occurredAt,
    };

    private static JsonNode? Shipment(JsonObject overview, string shipmentId) =>
        overview["shipments"]!["items"]!.AsArray().FirstOrDefault(s => (string?)s?["shipmentId"] == shipmentId);

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(field => field.Name).Order(StringComparer.Ordinal)];
    }

    private Task<JsonObject> OverviewWhenAsync(Func<JsonObject, bool> shows, string what) =>
        Eventually.Succeeds(
            async () => await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/customers/CUST-OV/overview", UriKind.Relative)) is { } overview && shows(overview)
                ? overview
                : throw new InvalidOperationException($"{what}: not yet"),
            Deadline,
            what);

    private async Task BookAsync(string shipmentId)
    {
        using var booked = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipmentId, "CUST-OV"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    private async Task ChargeAsync(string shipmentId, string chargeId, string type, decimal amount)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/api/v1/shipments/{shipmentId}/charges", UriKind.Relative), new JsonObject
        {
            ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
            ["source"] = "Rating", ["sourceReference"] = "RATE-" + shipmentId,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task PostEventsAsync(params JsonObject[] carrierEvents)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), new JsonArray(carrierEvents));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcomes = (await response.Content.ReadFromJsonAsync<JsonObject>())?["results"]?.AsArray().Select(r => (string?)r?["outcome"]);
        Assert.All(outcomes ?? [], outcome => Assert.Equal("Accepted", outcome));
    }
}
