using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Api;

namespace ShipmentGrid.IntegrationTests.Audit;

/// <summary>The API records write requests, accepted or refused, in the audit log that GET /api/v1/audit lists; reads are not recorded.</summary>
public sealed class AuditApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task An_accepted_and_a_refused_write_are_listed_with_route_subject_status_and_trace_and_a_read_is_not()
    {
        using (var register = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/customers", UriKind.Relative)))
        {
            register.Content = JsonContent.Create(SampleBookings.Customer("C-AUDIT-1"));
            register.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
            using var registered = await http.SendAsync(register);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using (var content = new StringContent("""{"amount":"lots"}""", Encoding.UTF8, "application/json"))
        using (var refused = await http.PutAsync(new Uri("/api/v1/customers/C-AUDIT-1/credit-limit", UriKind.Relative), content))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        using (var read = await http.GetAsync(new Uri("/api/v1/customers/C-AUDIT-1", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        // No waiting: an entry is stored before its response ends.
        var entries = await ListAsync("/api/v1/audit?limit=500");
        var registration = Assert.Single(entries, entry => (string?)entry["traceId"] == TraceId);
        Assert.Equal(("POST", "/api/v1/customers", 201), ((string?)registration["method"], (string?)registration["route"], (int?)registration["status"]));
        Assert.Null((string?)registration["subject"]);
        Assert.Equal(("bootstrap", "bootstrap"), ((string?)registration["keyId"], (string?)registration["partner"]));
        Assert.Equal(["admin"], registration["roles"]!.AsArray().Select(role => (string?)role));

        var refusal = Assert.Single(entries, entry => (string?)entry["subject"] == "customerId=C-AUDIT-1");
        Assert.Equal(
            ("PUT", "/api/v1/customers/{customerId}/credit-limit", 400),
            ((string?)refusal["method"], (string?)refusal["route"], (int?)refusal["status"]));
        Assert.Matches("^[0-9a-f]{32}$", (string?)refusal["traceId"]);

        Assert.DoesNotContain(entries, entry => (string?)entry["method"] == "GET");

        // A write without a key is refused before any endpoint, and audited with no key.
        using (var anonymous = factory.CreateClient())
        {
            anonymous.DefaultRequestHeaders.Authorization = null;
            using var unauthenticated = await anonymous.PostAsync(new Uri("/api/v1/customers", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        }

        var refusedWithoutKey = (await ListAsync("/api/v1/audit?status=401")).First();
        Assert.Equal(("POST", null), ((string?)refusedWithoutKey["method"], (string?)refusedWithoutKey["keyId"]));
        Assert.True((DateTimeOffset)registration["at"]! <= (DateTimeOffset)refusal["at"]!);
    }

    [Fact]
    public async Task The_list_filters_by_route_and_status_class_and_pages_with_next()
    {
        for (var i = 0; i < 3; i++)
        {
            using var content = new StringContent("""{"amount":"lots"}""", Encoding.UTF8, "application/json");
            using var refused = await http.PutAsync(new Uri($"/api/v1/customers/C-AUDIT-P{i}/credit-limit", UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var route = Uri.EscapeDataString("/api/v1/customers/{customerId}/credit-limit");
        var first = await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/audit?route={route}&status=4xx&limit=2", UriKind.Relative));
        var next = (string?)first!["next"];
        Assert.NotNull(next);
        var second = await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/audit?route={route}&status=400&limit=2&after={Uri.EscapeDataString(next)}", UriKind.Relative));

        var subjects = first["items"]!.AsArray().Concat(second!["items"]!.AsArray()).Select(entry => (string?)entry!["subject"]).ToList();
        Assert.Equal(["customerId=C-AUDIT-P2", "customerId=C-AUDIT-P1", "customerId=C-AUDIT-P0"], subjects.Where(subject => subject!.Contains("-P", StringComparison.Ordinal)));
        Assert.Empty(await ListAsync($"/api/v1/audit?route={route}&status=2xx"));
    }

    [Theory]
    [InlineData("/api/v1/audit?status=4yy", "status")]
    [InlineData("/api/v1/audit?status=600", "status")]
    [InlineData("/api/v1/audit?limit=0", "limit")]
    [InlineData("/api/v1/audit?after=not-a-cursor", "after")]
    [InlineData("/api/v1/audit?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z", "to")]
    [InlineData("/api/v1/audit?from=yesterday", "from")]
    public async Task A_bad_query_value_is_a_validation_problem_naming_it(string path, string field)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem?["errors"]?.AsObject().ContainsKey(field), $"{path} answered {problem}");
    }

    private async Task<List<JsonObject>> ListAsync(string path)
    {
        var page = await http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative));
        return [.. page!["items"]!.AsArray().Select(entry => entry!.AsObject())];
    }
}
