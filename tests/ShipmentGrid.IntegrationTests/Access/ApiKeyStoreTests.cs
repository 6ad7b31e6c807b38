using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Hosting.Access;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Access;

/// <summary>What every key store does, run against memory and a real PostgreSQL.</summary>
public abstract class ApiKeyStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    protected IApiKeyStore Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    [Fact]
    public async Task A_minted_key_reads_back_with_its_hash_and_only_its_token_matches_it()
    {
        var minted = ApiKeyTokens.Mint("acme", ["finance", "customer:C1"], "rotation 2026-12", T0);
        await Store.CreateAsync(minted.Key, minted.TokenHash, default);

        var stored = await Store.FindAsync(minted.Key.KeyId, default);

        Assert.NotNull(stored);
        Assert.Equal(("acme", "rotation 2026-12", T0, false), (stored.Key.Partner, stored.Key.Description, stored.Key.CreatedAt, stored.Key.IsRevoked));
        Assert.Equal(["customer:C1", "finance"], stored.Key.Roles.ToArray());
        Assert.True(ApiKeyTokens.Matches(minted.Token, stored.TokenHash));
        Assert.False(ApiKeyTokens.Matches(minted.Token[..^1] + (minted.Token[^1] == 'A' ? 'B' : 'A'), stored.TokenHash));
        Assert.Equal(minted.Key.KeyId, ApiKeyTokens.KeyIdOf(minted.Token));
        Assert.Null(await Store.FindAsync("0000000000000000", default));
    }

    [Fact]
    public async Task Revoking_keeps_the_first_time_and_an_unknown_key_is_null()
    {
        var minted = ApiKeyTokens.Mint("acme", ["admin"], null, T0);
        await Store.CreateAsync(minted.Key, minted.TokenHash, default);

        var first = await Store.RevokeAsync(minted.Key.KeyId, T0.AddHours(1), default);
        var second = await Store.RevokeAsync(minted.Key.KeyId, T0.AddHours(2), default);

        Assert.Equal((T0.AddHours(1), T0.AddHours(1)), (first?.RevokedAt, second?.RevokedAt));
        Assert.Equal(T0.AddHours(1), (await Store.FindAsync(minted.Key.KeyId, default))?.Key.RevokedAt);
        Assert.Null(await Store.RevokeAsync("ffffffffffffffff", T0, default));
    }

    [Fact]
    public async Task Keys_list_newest_first_in_pages_without_gaps_or_repeats_across_partners_or_within_one()
    {
        var minted = Enumerable.Range(0, 7)
            .Select(i => ApiKeyTokens.Mint(i % 2 == 0 ? "even" : "odd", ["operations"], null, T0.AddMinutes(i % 4)))
            .ToList();
        foreach (var key in minted)
        {
            await Store.CreateAsync(key.Key, key.TokenHash, default);
        }

        var all = await ReadAllAsync(null, limit: 3);
        var even = await ReadAllAsync("even", limit: 2);

        var expected = minted.Select(m => m.Key).OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.KeyId, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(k => k.KeyId), all.Select(k => k.KeyId));
        Assert.Equal(expected.Where(k => k.Partner == "even").Select(k => k.KeyId), even.Select(k => k.KeyId));
    }

    protected abstract Task<IApiKeyStore> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    private async Task<List<ApiKey>> ReadAllAsync(string? partner, int limit)
    {
        var keys = new List<ApiKey>();
        string? after = null;
        do
        {
            var page = await Store.ListAsync(partner, new PageRequest(limit, after), default);
            Assert.True(page.Items.Length <= limit);
            keys.AddRange(page.Items);
            after = page.Next;
        }
        while (after is not null);
        return keys;
    }
}

public sealed class InMemoryApiKeyStoreTests : ApiKeyStoreContract
{
    protected override Task<IApiKeyStore> CreateStoreAsync() => Task.FromResult<IApiKeyStore>(new InMemoryApiKeyStore());
}

[Collection(SharedPostgres.Name)]
public sealed class PostgresApiKeyStoreTests(PostgresServer server) : ApiKeyStoreContract
{
    private static readonly ConditionalWeakTable<PostgresServer, Task<PostgresSettings>> Databases = [];

    private NpgsqlDataSource dataSource = null!;

    protected override async Task<IApiKeyStore> CreateStoreAsync()
    {
        var settings = await Databases.GetValue(server, MigratedDatabaseAsync);
        await Sql.ExecuteAsync(settings.ProviderConnectionString, "DELETE FROM api_key");
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        return new PostgresApiKeyStore(dataSource);
    }

    protected override async Task DisposeStoreAsync() => await dataSource.DisposeAsync();

    private static async Task<PostgresSettings> MigratedDatabaseAsync(PostgresServer server)
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("keys"), "grid_keys");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return settings;
    }
}
