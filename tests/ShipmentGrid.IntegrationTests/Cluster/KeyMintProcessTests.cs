using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// PostgreSQL mode as an operator starts it: no bootstrap key, the first admin key minted by <c>Silo mint-key</c>,
/// partner keys minted and revoked through the API, and all of it still true after a SIGKILL and restart of the API.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class KeyMintProcessTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, string> NoBootstrapKey = new() { ["Auth__BootstrapKey"] = string.Empty };

    [Fact]
    public async Task The_silo_mints_the_first_admin_key_and_minted_and_revoked_keys_survive_a_kill_9_of_the_api()
    {
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("keys_mint"));
        string adminKey;
        await using (var mint = GridProcess.Start("mint", "Silo", "ShipmentGrid.Silo.dll", cluster.Environment(0, 0), arguments: ["mint-key", "--partner", "ops", "--roles", "admin"]))
        {
            Assert.Equal(0, await mint.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            adminKey = Assert.Single(mint.LinesFrom(0), line => line.StartsWith("sgk_", StringComparison.Ordinal));
        }

        await using var silo = await cluster.StartSiloAsync("silo-1");
        var api = await cluster.StartApiAsync(settings: NoBootstrapKey);
        string carrierKey, revokedKey;
        try
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, TestKeys.Admin, "api/v1/journal/lag"));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(api, adminKey, "api/v1/journal/lag"));
            carrierKey = await MintAsync(api, adminKey, "carrier:K-PG");
            revokedKey = await MintAsync(api, adminKey, "carrier:K-PG");
            using var http = Client(api, adminKey);
            using var revoked = await http.DeleteAsync(new Uri($"api/v1/keys/{revokedKey.Split('_')[1]}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            Assert.DoesNotContain(carrierKey, api.Output, StringComparison.Ordinal);
        }
        finally
        {
            await api.KillAsync();
            await api.DisposeAsync();
        }

        await using var restarted = await cluster.StartApiAsync(name: "api-restarted", settings: NoBootstrapKey);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(restarted, carrierKey, "api/v1/carriers/K-PG/dead-letters"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(restarted, carrierKey, "api/v1/carriers/K-OTHER/dead-letters"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(restarted, revokedKey, "api/v1/carriers/K-PG/dead-letters"));

        using var admin = Client(restarted, adminKey);
        var keys = await admin.GetFromJsonAsync<JsonObject>(new Uri("api/v1/keys?partner=pg-carrier:K-PG", UriKind.Relative));
        Assert.Equal(2, keys!["items"]!.AsArray().Count);
        var audit = await admin.GetFromJsonAsync<JsonObject>(new Uri("api/v1/audit?route=/api/v1/keys", UriKind.Relative));
        Assert.Contains(audit!["items"]!.AsArray(), entry => (string?)entry!["keyId"] == adminKey.Split('_')[1] && (int?)entry["status"] == 201);
        Assert.DoesNotContain(carrierKey, restarted.Output + silo.Output, StringComparison.Ordinal);
    }

    private static HttpClient Client(GridProcess api, string key)
    {
        var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = TestKeys.Bearer(key);
        return http;
    }

    private static async Task<HttpStatusCode> StatusAsync(GridProcess api, string key, string path)
    {
        using var http = Client(api, key);
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }

    private static async Task<string> MintAsync(GridProcess api, string adminKey, string role)
    {
        using var http = Client(api, adminKey);
        using var response = await http.PostAsJsonAsync(new Uri("api/v1/keys", UriKind.Relative), new { partner = "pg-" + role, roles = new[] { role } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
    }
}
