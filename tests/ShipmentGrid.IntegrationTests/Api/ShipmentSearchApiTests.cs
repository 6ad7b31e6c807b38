using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>Shipments are found by PRO, bill of lading or purchase order the moment they are booked, and only by keys that may read them.</summary>
public sealed class ShipmentSearchApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task A_booking_is_found_by_each_reference_at_once_and_a_foreign_carrier_finds_nothing()
    {
        using (var customer = await admin.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-FIND")))
        using (var booked = await admin.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking("S-FIND", "C-FIND", "K-FIND")))
        {
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        }

        Assert.Equal(["S-FIND"], await FoundAsync(admin, "pro=PRO-S-FIND"));
        Assert.Equal(["S-FIND"], await FoundAsync(admin, "bol=BOL-S-FIND&carrierId=K-FIND"));
        Assert.Empty(await FoundAsync(admin, "bol=BOL-S-FIND&carrierId=K-OTHER"));

        using var other = factory.CreateClient();
        other.DefaultRequestHeaders.Authorization = TestKeys.Bearer(await MintAsync("carrier:K-OTHER"));
        Assert.Empty(await FoundAsync(other, "pro=PRO-S-FIND"));
        using var own = factory.CreateClient();
        own.DefaultRequestHeaders.Authorization = TestKeys.Bearer(await MintAsync("customer:C-FIND"));
        Assert.Equal(["S-FIND"], await FoundAsync(own, "pro=PRO-S-FIND"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?pro=A&bol=B")]
    [InlineData("?pro=%01")]
    public async Task A_search_without_exactly_one_good_reference_is_a_validation_problem(string query)
    {
        using var response = await admin.GetAsync(new Uri("/api/v1/shipments" + query, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<List<string?>> FoundAsync(HttpClient http, string query)
    {
        var found = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments?" + query, UriKind.Relative));
        return [.. found!["items"]!.AsArray().Select(item => (string?)item!["shipmentId"])];
    }

    private async Task<string> MintAsync(string role)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = "find-" + role, roles = new[] { role } });
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
    }
}
