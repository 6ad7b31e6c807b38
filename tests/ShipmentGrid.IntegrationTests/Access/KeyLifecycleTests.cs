using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Hosting.Access;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Access;

/// <summary>Keys rotate (two live keys per partner), revoke at once where revoked and within the cache time elsewhere, and are never shown twice.</summary>
public sealed class KeyLifecycleTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly string[] OperationsOnly = ["operations"];
    private static readonly string[] NotRoles = ["root", "carrier:"];
    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task A_partner_rotates_to_a_second_key_and_the_revoked_first_stops_at_once_while_the_second_works()
    {
        var first = await MintAsync("acme-rotation", "customer:C-ROT");
        var second = await MintAsync("acme-rotation", "customer:C-ROT");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first.Token, "/api/v1/customers/C-ROT/shipments"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second.Token, "/api/v1/customers/C-ROT/shipments"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(first.Token, "/api/v1/customers/C-OTHER/shipments"));

        using (var revoked = await admin.DeleteAsync(new Uri($"/api/v1/keys/{first.KeyId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            Assert.NotNull((await revoked.Content.ReadFromJsonAsync<JsonObject>())!["revokedAt"]);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(first.Token, "/api/v1/customers/C-ROT/shipments"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second.Token, "/api/v1/customers/C-ROT/shipments"));

        var listed = await admin.GetStringAsync(new Uri("/api/v1/keys?partner=acme-rotation", UriKind.Relative));
        var keys = JsonNode.Parse(listed)!["items"]!.AsArray();
        Assert.Equal(
            new[] { (second.KeyId, false), (first.KeyId, true) }.Order(),
            keys.Select(k => ((string)k!["keyId"]!, k["revokedAt"] is not null)).Order());
        Assert.DoesNotContain(first.Token, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(second.Token, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revocation_made_by_another_api_process_holds_here_once_the_cached_lookup_expires()
    {
        using var shortCache = factory.WithWebHostBuilder(builder => builder.UseSetting("Auth:KeyCacheDuration", "00:00:01"));
        var http = shortCache.CreateClient();
        using var minted = await http.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = "elsewhere", roles = OperationsOnly });
        var body = await minted.Content.ReadFromJsonAsync<JsonObject>();
        var (keyId, token) = ((string)body!["key"]!["keyId"]!, (string)body["token"]!);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(shortCache.CreateClient(), token, "/api/v1/journal/lag"));

        // Another API process revokes the key in the shared store: this process learns it when its lookup expires.
        await shortCache.Services.GetRequiredService<IApiKeyStore>().RevokeAsync(keyId, DateTimeOffset.UtcNow, default);
        await Eventually.Holds(
            async () => await StatusAsync(shortCache.CreateClient(), token, "/api/v1/journal/lag") == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10),
            "the revocation reaching this process");
    }

    [Fact]
    public async Task A_flood_of_made_up_key_ids_from_one_address_stops_reaching_the_key_store()
    {
        var store = new CountingStore(new InMemoryApiKeyStore());
        using var counted = factory.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IApiKeyStore>(store)));
        using var http = counted.CreateClient();
        const int Flood = 300;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Flood; i++)
        {
            http.DefaultRequestHeaders.Authorization = TestKeys.Bearer($"sgk_{i:x16}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            using var response = await http.GetAsync(new Uri("/api/v1/journal/lag", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A burst of 50 lookups, then 25 a second: whatever the machine's speed, far fewer than one per request.
        var allowed = 50 + (int)Math.Ceiling(25 * (clock.Elapsed.TotalSeconds + 1));
        Assert.InRange(store.Finds, 1, Math.Min(allowed, Flood - 1));
    }

    [Fact]
    public async Task A_burst_of_first_requests_with_a_new_key_is_authenticated_by_one_lookup()
    {
        var store = new CountingStore(new InMemoryApiKeyStore());
        var arrivals = new Arrivals("/api/v1/journal/lag");
        using var counted = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<IApiKeyStore>(store).AddSingleton<IStartupFilter>(arrivals)));
        string token;
        using (var minting = counted.CreateClient())
        using (var minted = await minting.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = "acme-burst", roles = OperationsOnly }))
        {
            Assert.Equal(HttpStatusCode.Created, minted.StatusCode);
            token = (string)(await minted.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
        }

        // The store answers only once every request of the burst is in the API, more than the 50 lookups a client may start at once.
        store.Hold();
        const int Burst = 120;
        var statuses = Enumerable.Range(0, Burst).Select(_ => StatusAsync(counted.CreateClient(), token, "/api/v1/journal/lag")).ToArray();
        await Eventually.Holds(() => Task.FromResult(arrivals.Count == Burst && store.Finds >= 1), TimeSpan.FromSeconds(20), "the whole burst inside the API");
        store.Release();

        Assert.All(await Task.WhenAll(statuses), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, store.Finds);
    }

    [Theory]
    [InlineData("sgk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not a key")]
    [InlineData("")]
    public async Task A_wrong_key_is_401_problem_details_that_say_bearer_and_name_no_token(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/journal/lag");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = null;
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        if (token.Length > 0)
        {
            Assert.DoesNotContain(token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Minting_refuses_unknown_roles_and_blank_partners_with_field_errors()
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = " ", roles = NotRoles });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["partner", "roles"], errors.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, errors["roles"]!.AsArray().Count);
    }

    /// <summary>A key store that counts its lookups, and holds their answers while a test says so.</summary>
    private sealed class CountingStore(IApiKeyStore inner) : IApiKeyStore
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int finds;
        private volatile bool holding;

        public int Finds => Volatile.Read(ref finds);

        public void Hold() => holding = true;

        public void Release() => released.TrySetResult();

        public Task CreateAsync(ApiKey key, System.Collections.Immutable.ImmutableArray<byte> tokenHash, CancellationToken cancellationToken) =>
            inner.CreateAsync(key, tokenHash, cancellationToken);

        public async Task<StoredApiKey?> FindAsync(string keyId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref finds);
            if (holding)
            {
                await released.Task;
            }

            return await inner.FindAsync(keyId, cancellationToken);
        }

        public Task<ShipmentGrid.ReadModels.Page<ApiKey>> ListAsync(string? partner, ShipmentGrid.ReadModels.PageRequest page, CancellationToken cancellationToken) =>
            inner.ListAsync(partner, page, cancellationToken);

        public Task<ApiKey?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken) => inner.RevokeAsync(keyId, at, cancellationToken);
    }

    private Task<HttpStatusCode> StatusAsync(string token, string path) => StatusAsync(factory.CreateClient(), token, path);

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string token, string path)
    {
        using (http)
        {
            http.DefaultRequestHeaders.Authorization = TestKeys.Bearer(token);
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
    }

    private async Task<(string KeyId, string Token)> MintAsync(string partner, string role)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner, roles = new[] { role } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return ((string)body!["key"]!["keyId"]!, (string)body["token"]!);
    }

    /// <summary>Counts the requests for one path as they enter the API, before any of its own middleware.</summary>
    private sealed class Arrivals(string path) : IStartupFilter
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                if (context.Request.Path == path)
                {
                    Interlocked.Increment(ref count);
                }

                await proceed();
            });
            next(app);
        };
    }
}
