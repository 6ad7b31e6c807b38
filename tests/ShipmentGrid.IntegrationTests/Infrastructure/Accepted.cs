using System.Net;
using System.Net.Http.Json;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>Set-up writes a test needs to succeed: a refusal fails the test with the status and the problem body.</summary>
internal static class Accepted
{
    public static async Task PostAsync<T>(HttpClient http, string path, T body)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
