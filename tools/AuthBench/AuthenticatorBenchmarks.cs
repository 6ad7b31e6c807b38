using BenchmarkDotNet.Attributes;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Hosting.Access;

namespace ShipmentGrid.Tools.AuthBench;

/// <summary><see cref="ApiKeyAuthenticator.AuthenticateAsync"/> alone: the token's shape, the cached lookup and the SHA-256 check.</summary>
[Config(typeof(BenchConfig))]
public class AuthenticatorBenchmarks
{
    private const string Client = "address:127.0.0.1";

    private WebApplication? app;
    private ApiKeyAuthenticator? authenticator;
    private string validKey = string.Empty;
    private string wrongSecret = string.Empty;

    [GlobalSetup]
    public async Task SetUpAsync()
    {
        app = AccessHost.Build(withAccess: true);
        authenticator = app.Services.GetRequiredService<ApiKeyAuthenticator>();
        validKey = await AccessHost.MintCustomerKeyAsync(app.Services);
        var other = await AccessHost.MintCustomerKeyAsync(app.Services);
        wrongSecret = validKey[..(validKey.LastIndexOf('_') + 1)] + other[(other.LastIndexOf('_') + 1)..];
        if (await authenticator.AuthenticateAsync(validKey, Client, CancellationToken.None) is null
            || await authenticator.AuthenticateAsync(wrongSecret, Client, CancellationToken.None) is not null)
        {
            throw new InvalidOperationException("The authenticator did not tell the valid key from the wrong secret.");
        }
    }

    [GlobalCleanup]
    public async Task CleanUpAsync() => await (app?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Benchmark(Baseline = true, Description = "valid key (cached)")]
    public Task<ApiKey?> ValidKey() => authenticator!.AuthenticateAsync(validKey, Client, CancellationToken.None);

    [Benchmark(Description = "wrong secret (cached key, hash mismatch)")]
    public Task<ApiKey?> WrongSecret() => authenticator!.AuthenticateAsync(wrongSecret, Client, CancellationToken.None);
}
