using System.Net.Http.Headers;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>The bootstrap admin key every test grid is started with (<c>Auth:BootstrapKey</c>), and headers that carry keys.</summary>
public static class TestKeys
{
    public const string Admin = "test-bootstrap-admin-key-7c1f0d9e2b4a6c8e";

    public static AuthenticationHeaderValue Bearer(string key) => new("Bearer", key);

    /// <summary>A client of <paramref name="baseAddress"/> that sends the admin key.</summary>
    public static HttpClient AdminClient(Uri baseAddress, TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = Bearer(Admin);
        return http;
    }
}
