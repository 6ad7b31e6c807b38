using System.Net;
using System.Text;
using System.Text.Json;

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

    [Fact]
    public async Task A_bad_body_changes_nothing()
    {
        using var content = new StringContent("""{"customerId":"C-MAL","name":"N","billingCurrency":"USD","creditLimit":"lots","paymentTermsDays":30}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/customers", UriKind.Relative), content);
        await AssertNamesFieldAsync(response, "creditLimit");

        using var read = await http.GetAsync(new Uri("/api/v1/customers/C-MAL", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    private static async Task AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {body}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
    }
}
