using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Access;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Hosting.Access;

namespace ShipmentGrid.Tools.AuthBench;

/// <summary>
/// A Kestrel server on loopback with one endpoint shape, a tenant's small read. With access, it is the API's own
/// access pipeline (<see cref="AccessComposition"/>: key scheme, cookie fallback, rate limits, role policies,
/// antiforgery check, caller context) with the endpoint twice: under the API's <c>partner</c> policy and tenant filter,
/// and marked anonymous. Without, the same server and endpoint and no access at all. No silo: nothing here reaches a grain.
/// </summary>
internal sealed class AccessHost : IAsyncDisposable
{
    public const string CustomerId = "C-BENCH";
    public const string KeyedPath = $"/api/v1/customers/{CustomerId}/ping";
    public const string AnonymousPath = $"/open/customers/{CustomerId}/ping";

    private readonly WebApplication app;

    private AccessHost(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => app.Services;

    public static WebApplication Build(bool withAccess)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);
        if (withAccess)
        {
            // The limits are raised out of reach: they would otherwise answer 429 to a flood from one address or key,
            // and this measures the pipeline's cost, not its limits (the token buckets are still taken from).
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Auth:RequestsPerSecond"] = "100000000",
                ["Auth:EventsPerSecond"] = "100000000",
            });
            builder.Services.AddGridAccess(builder.Configuration, embedded: false);
        }

        var app = builder.Build();
        if (withAccess)
        {
            app.UseGridAccess();
            var v1 = app.MapGroup("/api/v1").RequireAuthorization(AccessPolicies.Partner);
            v1.AddEndpointFilter<TenantScope>();
            v1.MapGet("/customers/{customerId}/ping", Ping);
        }

        app.MapGet("/open/customers/{customerId}/ping", Ping).AllowAnonymous();
        return app;
    }

    public static async Task<AccessHost> StartAsync(bool withAccess)
    {
        var app = Build(withAccess);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Single()
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        return new AccessHost(app, new Uri(address));
    }

    /// <summary>Mints a key for the benchmark's customer into the host's key store; returns its token.</summary>
    public static async Task<string> MintCustomerKeyAsync(IServiceProvider services)
    {
        var minted = ApiKeyTokens.Mint("auth-bench", [GridRoles.Customer(CustomerId)], "AuthBench", DateTimeOffset.UtcNow);
        await services.GetRequiredService<IApiKeyStore>().CreateAsync(minted.Key, minted.TokenHash, CancellationToken.None);
        return minted.Token;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static Ok<Pong> Ping(string customerId) => TypedResults.Ok(new Pong(customerId, "ok"));
}

internal sealed record Pong(string CustomerId, string Status);
