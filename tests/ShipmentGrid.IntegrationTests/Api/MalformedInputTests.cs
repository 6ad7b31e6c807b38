using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Customers;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>Malformed paths, bodies and query values answer 400 problem+json naming the field, never 500 or a bare 400.</summary>
public sealed class MalformedInputTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient http = factory.CreateClient();

    [Theory]
    [InlineData("/api/v1/customers/%20/overview", "customerId")]
    [InlineData("/api/v1/customers/%20%20", "customerId")]
    [InlineData("/api/v1/shipments/SHP%09TAB", "shipmentId")]
    [InlineData("/api/v1/carriers/CARR-1/dead-letters?limit=0", "limit")]
    [InlineData("/api/v1/carrier-events/CARR-1/E%01", "eventId")]
    [InlineData("/api/v1/exceptions?limit=lots", "limit")]
    [InlineData("/api/v1/customers/C-1/service-cases?after=not-a-cursor", "after")]
    [InlineData("/api/v1/kpis/carriers/CARR-1?to=9999-12-31", "to")]
    public async Task A_bad_path_id_or_query_value_is_a_validation_problem_naming_it(string path, string field)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        await AssertNamesFieldAsync(response, field);
    }

    [Fact]
    public async Task An_overlong_path_id_is_a_validation_problem()
    {
        using var response = await http.GetAsync(new Uri($"/api/v1/shipments/{new string('S', 65)}", UriKind.Relative));

        await AssertNamesFieldAsync(response, "shipmentId");
    }

    [Theory]
    [InlineData("""{"chargeId":"C-1","type":"NOPE","amount":{"amount":1,"currency":"USD"},"source":"Rating","sourceReference":"R"}""", "type")]
    [InlineData("""{"chargeId":"C-1","type":"Linehaul","amount":{"amount":"lots","currency":"USD"},"source":"Rating","sourceReference":"R"}""", "amount.amount")]
    [InlineData("""["not","an","object"]""", "body")]
    public async Task A_body_that_does_not_bind_is_a_validation_problem_naming_the_field(string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/shipments/SHP-MAL-1/charges", UriKind.Relative), content);

        await AssertNamesFieldAsync(response, field);
    }

    [Theory]
    [InlineData("""{"chargeId":"C-1","type":"Linehaul","amount":{"amount":12.345,"currency":"USD"},"source":"Rating"}""", "amount.amount")]
    [InlineData("""{"chargeId":"C-1","type":"Linehaul","amount":{"amount":1200.5,"currency":"JPY"},"source":"Rating"}""", "amount.amount")]
    [InlineData("""{"chargeId":"C-1","type":"Linehaul","amount":{"amount":1e13,"currency":"USD"},"source":"Rating"}""", "amount.amount")]
    [InlineData("""{"chargeId":"C-1","type":"Linehaul","amount":{"amount":1e30,"currency":"USD"},"source":"Rating"}""", "amount.amount")]
    [InlineData("""{"chargeId":"C-1","type":"Linehaul","amount":{"amount":10,"currency":"XYZ"},"source":"Rating"}""", "amount.currency")]
    public async Task A_charge_amount_out_of_bounds_or_in_an_unknown_currency_names_the_field(string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/shipments/SHP-MAL-1/charges", UriKind.Relative), content);

        await AssertNamesFieldAsync(response, field);
    }

    [Theory]
    [InlineData("/api/v1/customers", """{"customerId":"C-AMT","name":"N","billingCurrency":"JPY","creditLimit":100.5,"paymentTermsDays":30}""", "creditLimit")]
    [InlineData("/api/v1/customers", """{"customerId":"C-AMT","name":"N","billingCurrency":"ZZZ","creditLimit":100,"paymentTermsDays":30}""", "billingCurrency")]
    [InlineData("/api/v1/customers/C-AMT/payments", """{"paymentId":"P-1","amount":1.23456}""", "amount")]
    public async Task Registration_and_payment_amounts_follow_the_same_rules(string path, string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);

        await AssertNamesFieldAsync(response, field);
    }

    [Fact]
    public async Task A_payment_or_limit_with_more_decimals_than_the_billing_currency_is_refused_by_the_customer()
    {
        using var register = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), new CustomerRegistration("C-YEN", "Yen Co", "JPY", 1000m, 30));
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);

        using var payment = await http.PostAsJsonAsync(new Uri("/api/v1/customers/C-YEN/payments", UriKind.Relative), new { paymentId = "P-YEN", amount = 10.5m });
        await AssertNamesFieldAsync(payment, "amount");
        using var limit = await http.PutAsJsonAsync(new Uri("/api/v1/customers/C-YEN/credit-limit", UriKind.Relative), new { amount = 2000.25m });
        await AssertNamesFieldAsync(limit, "amount");

        var profile = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/customers/C-YEN", UriKind.Relative));
        Assert.Equal(1000m, profile.GetProperty("creditLimit").GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task A_charge_type_as_the_standard_code_is_recorded_and_answered_as_the_grids_name()
    {
        using var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-CODES"));
        using var booked = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking("SHP-CODES", "C-CODES"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        const string Charge = """{"chargeId":"FS-1","type":"FUEL_SURCHARGE","amount":{"amount":180.00,"currency":"USD"},"source":"CarrierInvoice","sourceReference":"210-1"}""";

        using var content = new StringContent(Charge, Encoding.UTF8, "application/json");
        using var recorded = await http.PostAsync(new Uri("/api/v1/shipments/SHP-CODES/charges", UriKind.Relative), content);
        using var again = new StringContent(Charge.Replace("FUEL_SURCHARGE", "FuelSurcharge", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var repeated = await http.PostAsync(new Uri("/api/v1/shipments/SHP-CODES/charges", UriKind.Relative), again);

        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var view = await recorded.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(view.GetProperty("charges").EnumerateArray(), charge => charge.GetProperty("type").GetString() == "FuelSurcharge");
    }

    [Fact]
    public async Task An_unknown_charge_type_names_the_field_and_lists_both_spellings()
    {
        using var content = new StringContent(
            """{"chargeId":"C-1","type":"FUEL","amount":{"amount":1,"currency":"USD"},"source":"Rating"}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/shipments/SHP-MAL-1/charges", UriKind.Relative), content);

        var message = await AssertNamesFieldAsync(response, "type");
        Assert.Contains("FuelSurcharge", message, StringComparison.Ordinal);
        Assert.Contains("FUEL_SURCHARGE", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_milestone_in_a_batch_names_the_event_and_lists_the_milestones()
    {
        using var content = new StringContent(
            """[{"eventId":"E-1","carrierId":"CARR-1","shipmentId":"SHP-1","milestone":"Teleported","occurredAt":"2026-01-01T00:00:00Z"}]""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), content);

        var message = await AssertNamesFieldAsync(response, "[0].milestone");
        Assert.Contains("ProofOfDelivery", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/carrier-events")]
    [InlineData("/api/v1/carrier-events/stream")]
    public async Task A_megabyte_of_notes_is_refused_whole_and_never_reaches_a_dead_letter(string path)
    {
        var events = JsonSerializer.Serialize(new object[]
        {
            new { eventId = "E-NOTES-1", carrierId = "CARR-NOTES", shipmentId = "SHP-NOTES", milestone = "PickedUp", occurredAt = "2026-01-01T00:00:00Z" },
            new { eventId = "E-NOTES-2", carrierId = "CARR-NOTES", shipmentId = "SHP-NOTES", milestone = "Delivered", occurredAt = "2026-01-01T00:00:00Z", notes = new string('n', 1_000_000) },
        });
        using var content = new StringContent(events, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);

        await AssertNamesFieldAsync(response, "[1].notes");
        using var queued = await http.GetAsync(new Uri("/api/v1/carrier-events/CARR-NOTES/E-NOTES-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, queued.StatusCode);
        var letters = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/carriers/CARR-NOTES/dead-letters", UriKind.Relative));
        Assert.Equal(0, letters.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_intake_grain_refuses_over_long_texts_from_any_caller_and_queues_nothing()
    {
        var huge = new CarrierEvent(
            "E-INTAKE-1", "CARR-INTAKE", "SHP-INTAKE", MilestoneType.PickedUp, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow,
            null, null, new string('n', 1_000_000), EventSource.Stream, CarrierEvent.CurrentSchemaVersion, false);
        var intake = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<ICarrierEventIntakeGrain>(0);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => intake.Enqueue([huge]));

        Assert.Contains("notes", refused.Message, StringComparison.Ordinal);
        using var queued = await http.GetAsync(new Uri("/api/v1/carrier-events/CARR-INTAKE/E-INTAKE-1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, queued.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/exceptions/resolve", """{"exceptionId":"dead-letter/x","resolution":"RESOLUTION"}""")]
    [InlineData("/api/v1/shipments/SHP-1/exceptions/EX-1/resolve", """{"resolution":"RESOLUTION"}""")]
    [InlineData("/api/v1/customers/C-1/credit-hold", """{"reason":"RESOLUTION"}""")]
    public async Task Over_long_resolutions_and_reasons_name_the_field(string path, string template)
    {
        var field = template.Contains("reason\"", StringComparison.Ordinal) ? "reason" : "resolution";
        using var content = new StringContent(template.Replace("RESOLUTION", new string('r', 5_000), StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);

        await AssertNamesFieldAsync(response, field);
    }

    [Fact]
    public async Task Health_answers_json_with_a_short_fixed_description_per_check()
    {
        using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        var cluster = health.GetProperty("checks").GetProperty("orleans-cluster");
        // Only the cluster can make the embedded API unready; the other checks at worst degrade it.
        Assert.Equal(cluster.GetProperty("status").GetString() == "Unhealthy", health.GetProperty("status").GetString() == "Unhealthy");
        Assert.Matches("^(this silo active, \\d+ active silo\\(s\\)|this silo [a-z]+)$", cluster.GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_bad_body_changes_nothing()
    {
        using var content = new StringContent("""{"customerId":"C-MAL","name":"N","billingCurrency":"USD","creditLimit":"lots","paymentTermsDays":30}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/customers", UriKind.Relative), content);
        await AssertNamesFieldAsync(response, "creditLimit");

        using var read = await http.GetAsync(new Uri("/api/v1/customers/C-MAL", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    private static async Task<string> AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {body}");
        var message = messages[0].GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }
}
