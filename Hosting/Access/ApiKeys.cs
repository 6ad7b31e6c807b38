using System.Buffers;
using System.Buffers.Text;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Access;

/// <summary>An API key as the grid keeps it: who it was issued to, its roles, and whether it is revoked. Never its secret.</summary>
public sealed record ApiKey(
    string KeyId,
    string Partner,
    ImmutableArray<string> Roles,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    string? Description)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>A key with the hash of its token, as a store reads it back for authentication.</summary>
public sealed record StoredApiKey(ApiKey Key, ImmutableArray<byte> TokenHash);

/// <summary>A freshly minted key: the token is shown to its owner once and never stored.</summary>
public sealed record MintedApiKey(ApiKey Key, string Token, ImmutableArray<byte> TokenHash);

/// <summary>
/// API key tokens: <c>sgk_</c>, a 16-hex-digit key id, <c>_</c>, then 256 random bits (base64url). The id finds the
/// key; the whole token is checked against its SHA-256 hash. A 256-bit random secret needs no slow key-derivation
/// function (nothing to brute-force), so authentication is one hash per request.
/// </summary>
public static class ApiKeyTokens
{
    private const string Prefix = "sgk_";
    private const int KeyIdLength = 16;
    private const int SecretLength = 43;
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    public static MintedApiKey Mint(string partner, IEnumerable<string> roles, string? description, DateTimeOffset now)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdLength / 2));
        var token = $"{Prefix}{keyId}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))}";
        var key = new ApiKey(keyId, partner, [.. roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], now, null, description);
        return new MintedApiKey(key, token, Hash(token));
    }

    /// <summary>The key id of a well-formed token, or null (nothing is looked up for a malformed one).</summary>
    public static string? KeyIdOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Length == Prefix.Length + KeyIdLength + 1 + SecretLength
            && token.StartsWith(Prefix, StringComparison.Ordinal)
            && token[Prefix.Length + KeyIdLength] == '_'
            && token.AsSpan(Prefix.Length, KeyIdLength).ContainsAnyExcept(HexDigits) is false
            && Base64Url.IsValid(token.AsSpan(Prefix.Length + KeyIdLength + 1))
                ? token.Substring(Prefix.Length, KeyIdLength)
                : null;
    }

    public static ImmutableArray<byte> Hash(string token) => [.. SHA256.HashData(Encoding.UTF8.GetBytes(token))];

    /// <summary>Compares in constant time, so the answer's timing says nothing about how much of a hash matched.</summary>
    public static bool Matches(string token, ImmutableArray<byte> hash) =>
        CryptographicOperations.FixedTimeEquals(Hash(token).AsSpan(), hash.AsSpan());
}

/// <summary>Where keys live: PostgreSQL in a cluster, memory in the embedded grid. Keys are revoked, never deleted.</summary>
public interface IApiKeyStore
{
    Task CreateAsync(ApiKey key, ImmutableArray<byte> tokenHash, CancellationToken cancellationToken);

    Task<StoredApiKey?> FindAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Keys newest first, optionally of one partner.</summary>
    Task<Page<ApiKey>> ListAsync(string? partner, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Revokes the key once (a second revocation keeps the first time); null when there is no such key.</summary>
    Task<ApiKey?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>The embedded grid's keys: gone when the process ends, like the rest of its state.</summary>
public sealed class InMemoryApiKeyStore : IApiKeyStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, StoredApiKey> keys = new(StringComparer.Ordinal);

    public Task CreateAsync(ApiKey key, ImmutableArray<byte> tokenHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (gate)
        {
            if (!keys.TryAdd(key.KeyId, new StoredApiKey(key, tokenHash)))
            {
                throw new InvalidOperationException($"Key {key.KeyId} exists.");
            }
        }

        return Task.CompletedTask;
    }

    public Task<StoredApiKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(keys.GetValueOrDefault(keyId));
        }
    }

    public Task<Page<ApiKey>> ListAsync(string? partner, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = KeysetCursor.Decode(page.After);
        lock (gate)
        {
            var items = keys.Values.Select(stored => stored.Key)
                .Where(key => partner is null || key.Partner == partner)
                .OrderByDescending(key => key.CreatedAt).ThenByDescending(key => key.KeyId, StringComparer.Ordinal)
                .Where(key => after is not { } cursor
                    || key.CreatedAt < cursor.At
                    || (key.CreatedAt == cursor.At && string.CompareOrdinal(key.KeyId, cursor.Id) < 0))
                .Take(page.Limit + 1)
                .ToList();
            return Task.FromResult(KeysetCursor.PageOf(items, page.Limit, key => new KeysetCursor(key.CreatedAt, key.KeyId)));
        }
    }

    public Task<ApiKey?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!keys.TryGetValue(keyId, out var stored))
            {
                return Task.FromResult<ApiKey?>(null);
            }

            if (!stored.Key.IsRevoked)
            {
                keys[keyId] = stored = stored with { Key = stored.Key with { RevokedAt = at } };
            }

            return Task.FromResult<ApiKey?>(stored.Key);
        }
    }
}
