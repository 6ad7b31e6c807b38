using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>The README run command's promise: the built API, nothing configured, ready within 30 s.</summary>
public sealed class EmbeddedProcessTests
{
    [Fact]
    public async Task The_api_process_with_nothing_configured_is_ready_within_30_seconds_and_round_trips_a_shipment()
    {
        var environment = new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var api = GridProcess.Start("api", "Client.Api", "ShipmentGrid.Api.dll", environment);
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(100));
        using var customer = await http.PostAsJsonAsync(new Uri("api/v1/customers", UriKind.Relative), SampleBookings.Customer());
        Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        using var created = await http.PostAsJsonAsync(new Uri("api/v1/shipments", UriKind.Relative), SampleBookings.Booking("SHP-EMBEDDED-1"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var read = await http.GetFromJsonAsync<JsonObject>(new Uri("api/v1/shipments/SHP-EMBEDDED-1", UriKind.Relative));
        Assert.Equal("SHP-EMBEDDED-1", (string?)read?["booking"]?["shipmentId"]);
        Assert.Contains("Now listening on", api.Output, StringComparison.Ordinal);
    }
}
