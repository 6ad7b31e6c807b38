using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ShipmentGrid.Access;
using ShipmentGrid.Hosting.Access;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// Finds the key a bearer token names and checks the token against its hash. Lookups are cached for
/// <see cref="AccessOptions.KeyCacheDuration"/> (a bounded cache, so random key ids cannot grow it), which is the
/// revocation's propagation delay to other API processes; a revocation through this process takes effect at once.
/// Key ids not in the cache cost a store lookup, so each client address gets a small bucket of those: a flood of
/// made-up key ids is refused before it reaches the database. Requests that miss the cache for the same key id while its
/// lookup runs wait for that one lookup: a partner's first burst on a cold process costs one lookup, not one per request
/// (which the bucket would refuse past its size, failing a valid key).
/// </summary>
internal sealed class ApiKeyAuthenticator(IApiKeyStore store, IOptions<AccessOptions> options, TimeProvider clock) : IDisposable
{
    private const int CacheEntries = 20_000;
    private const int LookupsPerSecond = 25;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CacheEntries });
    private readonly ConcurrentDictionary<string, Lazy<Task<StoredApiKey?>>> lookupsRunning = new(StringComparer.Ordinal);
    private readonly ImmutableArray<byte>? bootstrapHash = options.Value.BootstrapKey is { Length: >= 32 } bootstrap ? ApiKeyTokens.Hash(bootstrap) : null;
    private readonly DateTimeOffset startedAt = clock.GetUtcNow();
    private readonly PartitionedRateLimiter<string> lookups = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = LookupsPerSecond * 2,
            TokensPerPeriod = LookupsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>The key of a valid, unrevoked token sent from <paramref name="client"/> (its address), or null.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string token, string client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (bootstrapHash is { } hash && ApiKeyTokens.Matches(token, hash))
        {
            return Bootstrap;
        }

        return ApiKeyTokens.KeyIdOf(token) is { } keyId
            && await FindAsync(keyId, client, cancellationToken) is { Key.IsRevoked: false } stored
            && ApiKeyTokens.Matches(token, stored.TokenHash)
                ? stored.Key
                : null;
    }

    /// <summary>Whether a key a browser session was opened with is still valid (revoking a key ends its sessions too).</summary>
    public async Task<bool> IsActiveAsync(string keyId, string client, CancellationToken cancellationToken) =>
        keyId == GridClaims.BootstrapKeyId
            ? bootstrapHash is not null
            : await FindAsync(keyId, client, cancellationToken) is { Key.IsRevoked: false };

    /// <summary>Forgets a key this process revoked, so the revocation holds here from now on.</summary>
    public void Forget(string keyId) => cache.Remove(keyId);

    public void Dispose()
    {
        cache.Dispose();
        lookups.Dispose();
    }

    private ApiKey Bootstrap => new(GridClaims.BootstrapKeyId, "bootstrap", [GridRoles.Admin], startedAt, null, "Auth:BootstrapKey");

    private async Task<StoredApiKey?> FindAsync(string keyId, string client, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(keyId, out StoredApiKey? cached))
        {
            return cached;
        }

        if (lookupsRunning.TryGetValue(keyId, out var running))
        {
            return await running.Value.WaitAsync(cancellationToken);
        }

        using var lease = lookups.AttemptAcquire(client);
        if (!lease.IsAcquired)
        {
            return null;
        }

        var lookup = lookupsRunning.GetOrAdd(keyId, id => new Lazy<Task<StoredApiKey?>>(() => LookUpAsync(id)));
        try
        {
            return await lookup.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            lookupsRunning.TryRemove(KeyValuePair.Create(keyId, lookup));
        }
    }

    /// <summary>One store lookup, shared by every request waiting for it, so no one request's cancellation ends it.</summary>
    private async Task<StoredApiKey?> LookUpAsync(string keyId)
    {
        var stored = await store.FindAsync(keyId, CancellationToken.None);
        cache.Set(keyId, stored, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.KeyCacheDuration });
        return stored;
    }
}
