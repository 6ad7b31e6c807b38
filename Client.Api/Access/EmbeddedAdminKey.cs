using Microsoft.Extensions.Options;
using ShipmentGrid.Access;
using ShipmentGrid.Hosting.Access;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// The embedded grid's first key: an admin key minted at start and printed once to standard output (not to the log,
/// which may be shipped elsewhere). It lives as long as the process, like the rest of the embedded grid's state.
/// </summary>
internal sealed class EmbeddedAdminKey(IApiKeyStore store, TimeProvider clock, IOptions<AccessOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.PrintEmbeddedAdminKey)
        {
            return;
        }

        var minted = ApiKeyTokens.Mint("embedded-admin", [GridRoles.Admin], "Minted by the embedded grid at start.", clock.GetUtcNow());
        await store.CreateAsync(minted.Key, minted.TokenHash, cancellationToken);
        await Console.Out.WriteLineAsync($"Admin API key (shown once, valid until the embedded grid stops): {minted.Token}");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
