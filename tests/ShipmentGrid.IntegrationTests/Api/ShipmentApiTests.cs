using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

public sealed class ShipmentApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task Health_endpoints_answer_live_and_ready()
    {
        using var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        await Eventually.Holds(
            async () =>
            {
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                return ready.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            "API ready");
    }

    [Fact]
    public async Task A_booked_shipment_reads_back_and_rebooking_is_idempotent()
    {
        await RegisterCustomerAsync("CUST-1");
        var booking = SampleBookings.Booking("SHP-API-1");
        using var created = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), booking);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/shipments/SHP-API-1", created.Headers.Location?.OriginalString);

        var read = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-API-1", UriKind.Relative));
        Assert.NotNull(read);
        Assert.Equal("SHP-API-1", (string?)read["booking"]?["shipmentId"]);
        Assert.Equal("CUST-1", (string?)read["booking"]?["customerId"]);
        Assert.Equal("Dallas", (string?)read["booking"]?["destination"]?["city"]);
        Assert.Equal("Booked", (string?)read["status"]);

        using var again = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), booking);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        using var conflicting = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), booking with { CarrierId = "OTHER" });
        Assert.Equal(HttpStatusCode.Conflict, conflicting.StatusCode);
        Assert.Equal("application/problem+json", conflicting.Content.Headers.ContentType?.MediaType);
        var unchanged = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-API-1", UriKind.Relative));
        Assert.Equal("CARR-1", (string?)unchanged?["booking"]?["carrierId"]);
    }

    [Fact]
    public async Task A_booking_batch_answers_each_booking_in_order_booked_duplicate_or_rejected_by_its_grain()
    {
        await RegisterCustomerAsync("CUST-BATCH");
        using (var first = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking("SHP-BATCH-2", "CUST-BATCH")))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var batch = new JsonArray
        {
            JsonSerializer.SerializeToNode(SampleBookings.Booking("SHP-BATCH-1", "CUST-BATCH"), JsonSerializerOptions.Web),
            JsonSerializer.SerializeToNode(SampleBookings.Booking("SHP-BATCH-2", "CUST-BATCH"), JsonSerializerOptions.Web),
            JsonSerializer.SerializeToNode(SampleBookings.Booking("SHP-BATCH-2", "CUST-BATCH", carrierId: "OTHER"), JsonSerializerOptions.Web),
            JsonSerializer.SerializeToNode(SampleBookings.Booking("SHP-BATCH-3", "NOBODY"), JsonSerializerOptions.Web),
        };
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/shipments/batch", UriKind.Relative), batch);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>())?["results"]?.AsArray();
        Assert.NotNull(results);
        Assert.Equal(
            [("SHP-BATCH-1", "Booked", null), ("SHP-BATCH-2", "Duplicate", null), ("SHP-BATCH-2", "Rejected", "already-booked-differently"),
                ("SHP-BATCH-3", "Rejected", "customer-not-found")],
            results.Select(result => ((string?)result?["shipmentId"], (string?)result?["outcome"], (string?)result?["rejection"])));
        var booked = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-BATCH-1", UriKind.Relative));
        Assert.Equal("Booked", (string?)booked?["status"]);
        Assert.Equal("CARR-1", (string?)(await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-BATCH-2", UriKind.Relative)))?["booking"]?["carrierId"]);
        using var refused = await http.GetAsync(new Uri("/api/v1/shipments/SHP-BATCH-3", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task A_booking_batch_with_an_invalid_booking_is_refused_whole_naming_each_failing_field_and_books_nothing()
    {
        await RegisterCustomerAsync("CUST-BATCH-BAD");
        var batch = new JsonArray
        {
            JsonSerializer.SerializeToNode(SampleBookings.Booking("SHP-BATCH-OK", "CUST-BATCH-BAD"), JsonSerializerOptions.Web),
            JsonSerializer.SerializeToNode(SampleBookings.Booking("SHP-BATCH-BAD", "CUST-BATCH-BAD") with { CarrierId = "" }, JsonSerializerOptions.Web),
            null,
        };
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/shipments/batch", UriKind.Relative), batch);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())?["errors"]?.AsObject();
        Assert.NotNull(errors);
        Assert.Equal(["[1].carrierId", "[2]"], errors.Select(error => error.Key).Order(StringComparer.Ordinal));
        foreach (var shipmentId in new[] { "SHP-BATCH-OK", "SHP-BATCH-BAD" })
        {
            using var lookup = await http.GetAsync(new Uri($"/api/v1/shipments/{shipmentId}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        }
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"shipmentId\":\"SHP-BATCH-OBJ\"}")]
    [InlineData("[{\"shipmentId\":5}]")]
    public async Task A_booking_batch_that_is_empty_or_not_an_array_of_bookings_is_refused_whole(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/shipments/batch", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_booking_batch_larger_than_its_limit_is_refused_and_books_nothing()
    {
        await RegisterCustomerAsync("CUST-BATCH-BIG");
        var batch = new JsonArray([.. Enumerable.Range(0, 501).Select(i => JsonSerializer.SerializeToNode(SampleBookings.Booking($"SHP-BIG-{i}", "CUST-BATCH-BIG"), JsonSerializerOptions.Web))]);
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/shipments/batch", UriKind.Relative), batch);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var lookup = await http.GetAsync(new Uri("/api/v1/shipments/SHP-BIG-0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task Booking_for_an_unregistered_customer_is_refused_as_problem_details()
    {
        using var response = await http.PostAsJsonAsync(
            new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking("SHP-NOCUST-1", customerId: "NOBODY"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var lookup = await http.GetAsync(new Uri("/api/v1/shipments/SHP-NOCUST-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task Carrier_events_answer_per_event_and_move_the_status_forward_only()
    {
        await RegisterCustomerAsync("CUST-EVENTS");
        var booking = SampleBookings.Booking("SHP-EVENTS-1", customerId: "CUST-EVENTS");
        using var booked = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), booking);
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);

        var start = DateTimeOffset.UtcNow.AddDays(-3).ToOffset(TimeSpan.FromHours(-6));
        var pickup = Event("E-1", booking.ShipmentId, "PickedUp", start);
        var batch = new JsonArray
        {
            pickup,
            Event("E-3", booking.ShipmentId, "Delivered", start.AddDays(2)),
            pickup.DeepClone(),
            Event("E-2", booking.ShipmentId, "InTransit", start.AddDays(1)),
            Event("E-9", "SHP-NOT-BOOKED", "PickedUp", start),
        };
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), batch);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>())?["results"]?.AsArray();
        Assert.NotNull(results);
        Assert.Equal(["Accepted", "Accepted", "Duplicate", "Accepted", "Rejected"], results.Select(r => (string?)r?["outcome"]));
        Assert.False(string.IsNullOrEmpty((string?)results[4]?["reason"]));

        var view = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-EVENTS-1", UriKind.Relative));
        Assert.Equal("Delivered", (string?)view?["status"]);
        Assert.Equal(["E-1", "E-2", "E-3"], view?["timeline"]?.AsArray().Select(e => (string?)e?["eventId"]));
    }

    [Fact]
    public async Task Invalid_booking_gets_problem_details_with_field_errors_and_books_nothing()
    {
        var body = new JsonObject
        {
            ["shipmentId"] = "SHP-BAD-1",
            ["customerId"] = "",
            ["carrierId"] = "CARR-1",
            ["origin"] = new JsonObject { ["city"] = "Chicago", ["country"] = "usa" },
        };
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("customerId", out _));
        Assert.True(errors.TryGetProperty("origin.country", out _));
        Assert.True(errors.TryGetProperty("destination", out _));
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());

        using var lookup = await http.GetAsync(new Uri("/api/v1/shipments/SHP-BAD-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_gets_problem_details()
    {
        using var content = new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/shipments", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_shipment_is_404_problem_details()
    {
        using var response = await http.GetAsync(new Uri("/api/v1/shipments/NO-SUCH-SHIPMENT", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_shipment_routes()
    {
        var document = await http.GetFromJsonAsync<JsonObject>(new Uri("/openapi/v1.json", UriKind.Relative));
        var paths = document?["paths"]?.AsObject();
        Assert.NotNull(paths);
        Assert.True(paths.ContainsKey("/api/v1/shipments"));
        Assert.True(paths.ContainsKey("/api/v1/shipments/{shipmentId}"));
        Assert.DoesNotContain(paths, path => path.Key.StartsWith("/dashboard", StringComparison.Ordinal));
    }

    private async Task RegisterCustomerAsync(string customerId)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(customerId));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"customer registration answered {response.StatusCode}");
    }

    private static JsonObject Event(string eventId, string shipmentId, string milestone, DateTimeOffset occurredAt) => new()
    {
        ["eventId"] = eventId,
        ["carrierId"] = "CARR-1",
        ["shipmentId"] = shipmentId,
        ["milestone"] = milestone,
        ["occurredAt"] = occurredAt,
    };
}
