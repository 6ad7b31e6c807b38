using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The PostgreSQL servers the journal's partitions live on, so event throughput is not bound to one primary. Server 0
/// is the primary (<c>ConnectionStrings:Postgres</c>), which also holds everything that is not journal rows: checkpoints,
/// dead letters, read models, grain state, membership. <c>Journal:Servers:0</c>, <c>:1</c>, ... are servers 1, 2, ...,
/// in the primary's schema. Partition p lives on server p mod the server count; with no extra server every partition
/// is on the primary, as before. Rows never move, so every server records the layout it belongs to and its place in it
/// (<see cref="VerifyLayoutAsync"/>), and a process configured otherwise refuses to start.
/// </summary>
public sealed class JournalServers : IAsyncDisposable
{
    public const string Section = "Journal:Servers";

    private readonly NpgsqlDataSource[] dataSources;
    private readonly string[] names;

    private JournalServers(NpgsqlDataSource primary, IReadOnlyList<PostgresSettings> extra)
    {
        dataSources = [primary, .. extra.Select(settings => NpgsqlDataSource.Create(settings.ProviderConnectionString))];
        names = [
            "ConnectionStrings:Postgres",
            .. extra.Select((settings, index) => string.Create(CultureInfo.InvariantCulture, $"{Section}:{index} ({Where(settings)})")),
        ];
    }

    public int Count => dataSources.Length;

    public NpgsqlDataSource Primary => dataSources[0];

    /// <summary>The primary alone: every partition on it.</summary>
    public static JournalServers PrimaryOnly(NpgsqlDataSource primary) => new(primary, []);

    /// <summary>The primary and the extra servers; more servers than partitions is refused (the extra ones would hold nothing).</summary>
    public static JournalServers Create(NpgsqlDataSource primary, IReadOnlyList<PostgresSettings> extra, int partitions)
    {
        ArgumentNullException.ThrowIfNull(extra);
        if (extra.Count + 1 > partitions)
        {
            throw new InvalidOperationException(
                $"{Section} lists {extra.Count} server(s), {extra.Count + 1} with the primary, but the journal has {partitions} partitions: " +
                "a server past the partition count would hold nothing. List fewer servers or configure more partitions.");
        }

        return new JournalServers(primary, extra);
    }

    /// <summary>
    /// The extra journal servers of <c>Journal:Servers</c>, in the primary's schema; empty when none is configured. The keys
    /// must run 0, 1, ... without a gap, so a server's place cannot shift by a missing entry.
    /// </summary>
    public static IReadOnlyList<PostgresSettings> ExtraFromConfiguration(IConfiguration configuration, PostgresSettings primary)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(primary);
        var servers = new List<PostgresSettings>();
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            var expected = servers.Count.ToString(CultureInfo.InvariantCulture);
            if (child.Key != expected || string.IsNullOrWhiteSpace(child.Value))
            {
                throw new InvalidOperationException(
                    $"{Section}:{child.Key} is not a connection string at the next place ({Section}:{expected}): list the extra journal servers as {Section}:0, :1, ... without gaps.");
            }

            servers.Add(new PostgresSettings(child.Value, primary.Schema));
        }

        return servers;
    }

    /// <summary>Every server the schema must be migrated on: the primary first, then the extra journal servers.</summary>
    public static IReadOnlyList<PostgresSettings> AllFromConfiguration(IConfiguration configuration, PostgresSettings primary) =>
        [primary, .. ExtraFromConfiguration(configuration, primary)];

    public int ServerOf(int partition) => partition % dataSources.Length;

    /// <summary>The server that holds the partition's rows, and with them those of every stream of the partition.</summary>
    public NpgsqlDataSource Of(int partition) => dataSources[ServerOf(partition)];

    public NpgsqlDataSource this[int server] => dataSources[server];

    /// <summary>The setting a server comes from, for messages (host and database, never the password).</summary>
    public string NameOf(int server) => names[server];

    /// <summary>
    /// Records the layout on first start (the primary takes a new id, each extra server the primary's id and its place)
    /// and refuses a process that counts the servers otherwise, or places a server elsewhere than it stands. An extra server
    /// that records nothing is claimed only while no reader has followed its partitions: otherwise it is not the server
    /// their rows were read from (a replaced or restored one), and the checkpoints would skip its rows.
    /// </summary>
    public async Task VerifyLayoutAsync(CancellationToken cancellationToken)
    {
        var (layout, servers, place) = await ClaimAsync(0, Guid.NewGuid(), cancellationToken);
        if (servers != Count)
        {
            throw new InvalidOperationException(
                $"The journal recorded in this database lives on {servers} server(s), but this process is configured with {Count} " +
                $"(the primary and {Count - 1} in {Section}). A partition's rows stay on the server they were written to, so the layout " +
                "cannot change: configure every process with the recorded servers.");
        }

        var followed = await FollowedServersAsync(cancellationToken);
        for (var server = 0; server < Count; server++)
        {
            var (claimedLayout, claimedServers, claimedPlace) = server == 0 ? (layout, servers, place)
                : followed.Contains(server) ? await RecordedAsync(server, cancellationToken) ?? throw new InvalidOperationException(
                    $"{NameOf(server)} records no journal layout, but the readers of its partitions have already followed rows on journal server {server}: " +
                    "it is not the server that held them (replaced, or restored from before its first use). Configure the server that holds them.")
                : await ClaimAsync(server, layout, cancellationToken);
            if (claimedLayout != layout || claimedServers != servers || claimedPlace != server)
            {
                throw new InvalidOperationException(
                    $"{NameOf(server)} is configured as journal server {server} of {Count}, but it records itself as server {claimedPlace} of " +
                    $"{claimedServers}{(claimedLayout == layout ? " of this journal" : " of another journal")}. A partition's rows stay on the " +
                    "server they were written to: configure every process with the servers in their recorded order, each its own database.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in dataSources.Skip(1))
        {
            await dataSource.DisposeAsync();
        }
    }

    /// <summary>The servers of the partitions whose readers have moved a checkpoint (on the primary).</summary>
    private async Task<HashSet<int>> FollowedServersAsync(CancellationToken cancellationToken)
    {
        await using var command = GridSql.ReadFollowedJournalPartitions.CreateCommand(Primary);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var followed = new HashSet<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            followed.Add(ServerOf(reader.GetInt32(0)));
        }

        return followed;
    }

    private async Task<(Guid Layout, int Servers, int Place)?> RecordedAsync(int server, CancellationToken cancellationToken)
    {
        await using var command = GridSql.ReadJournalLayout.CreateCommand(dataSources[server]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2)) : null;
    }

    private static string Where(PostgresSettings settings)
    {
        var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        return string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database}");
    }

    /// <summary>
    /// Claims the server's place; a first claim racing another process's reads back nothing in the same statement (its
    /// snapshot predates the other insert), so it is asked once more.
    /// </summary>
    private async Task<(Guid Layout, int Servers, int Place)> ClaimAsync(int server, Guid layout, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var command = GridSql.ClaimJournalLayout.CreateCommand(dataSources[server], layout, Count, server);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return (reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2));
            }

            if (attempt > 0)
            {
                throw new InvalidOperationException($"{NameOf(server)} records no journal layout and accepts none.");
            }
        }
    }
}
