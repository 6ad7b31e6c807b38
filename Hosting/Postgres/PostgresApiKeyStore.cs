using System.Collections.Immutable;
using Npgsql;
using ShipmentGrid.Hosting.Access;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>API keys in <c>api_key</c> (migration 0013): the token's hash, never the token.</summary>
public sealed class PostgresApiKeyStore(NpgsqlDataSource dataSource) : IApiKeyStore
{
    private static readonly KeysetCursor Latest = new(DateTimeOffset.MaxValue, "");

    public async Task CreateAsync(ApiKey key, ImmutableArray<byte> tokenHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var command = GridSql.CreateApiKey.CreateCommand(
            dataSource, key.KeyId, key.Partner, key.Roles.ToArray(), tokenHash.ToArray(), key.CreatedAt, key.Description);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredApiKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindApiKey.CreateCommand(dataSource, keyId);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<Page<ApiKey>> ListAsync(string? partner, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? Latest
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        await using var command = partner is null
            ? GridSql.ListApiKeys.CreateCommand(dataSource, after.At, after.Id, limit + 1)
            : GridSql.ListPartnerApiKeys.CreateCommand(dataSource, partner, after.At, after.Id, limit + 1);
        var keys = (await ReadAsync(command, cancellationToken)).Select(stored => stored.Key).ToList();
        return KeysetCursor.PageOf(keys, limit, key => new KeysetCursor(key.CreatedAt, key.KeyId));
    }

    public async Task<ApiKey?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = GridSql.RevokeApiKey.CreateCommand(dataSource, keyId, at);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault()?.Key;
    }

    private static async Task<List<StoredApiKey>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var keys = new List<StoredApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new ApiKey(
                reader.GetString(0),
                reader.GetString(1),
                [.. reader.GetFieldValue<string[]>(2)],
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6));
            keys.Add(new StoredApiKey(key, [.. reader.GetFieldValue<byte[]>(3)]));
        }

        return keys;
    }
}
