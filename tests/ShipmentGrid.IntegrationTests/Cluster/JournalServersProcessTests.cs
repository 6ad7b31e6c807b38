using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Customers;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Journal;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>Two throwaway PostgreSQL servers: the primary and one extra journal server.</summary>
public sealed class TwoPostgresServers : IAsyncLifetime
{
    public PostgresServer Primary { get; } = PostgresServer.Dedicated();

    public PostgresServer Extra { get; } = PostgresServer.Dedicated();

    public Task InitializeAsync() => Task.WhenAll(Primary.InitializeAsync(), Extra.InitializeAsync());

    public async Task DisposeAsync()
    {
        await Primary.DisposeAsync();
        await Extra.DisposeAsync();
    }
}

/// <summary>
/// The journal past one database (issue 9, point 5): a Silo process in PostgreSQL mode with <c>Journal:Servers:0</c> keeps
/// the even partitions' rows on the primary and the odd ones' on the extra server, each on exactly its server; the readers
/// follow both into the read models on the primary; a restarted grid reads everything back; a process that counts or
/// places the servers otherwise, or puts a fresh server in place of one whose rows were followed, refuses to start.
/// </summary>
public sealed class JournalServersProcessTests(TwoPostgresServers servers) : IClassFixture<TwoPostgresServers>
{
    private const int Partitions = 16;
    private const string Customer = "C-JSRV";
    private const string Carrier = "CARR-1";
    private const string ExtraServer = "Journal__Servers__0";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly int[] Even = [.. Enumerable.Range(0, Partitions).Where(partition => partition % 2 == 0)];
    private static readonly int[] Odd = [.. Enumerable.Range(0, Partitions).Where(partition => partition % 2 == 1)];

    [Fact]
    public async Task Each_partition_lives_on_its_own_server_alone_and_the_readers_follow_both_across_a_restart()
    {
        var primary = await servers.Primary.CreateDatabaseAsync("journal_primary");
        var extra = await servers.Extra.CreateDatabaseAsync("journal_extra");
        var cluster = await ClusterNode.MigrateAsync(primary, new Dictionary<string, string> { [ExtraServer] = extra });
        var (primaryDb, extraDb) = (Grid(primary), Grid(extra));
        var migrations = await ColumnAsync<int>(primaryDb, "SELECT version FROM schema_migration ORDER BY version");
        Assert.Equal(migrations, await ColumnAsync<int>(extraDb, "SELECT version FROM schema_migration ORDER BY version"));

        var shipments = ShipmentsOnEveryPartition();
        await using (var silo = await cluster.StartSiloAsync("silo-before"))
        {
            using var host = await cluster.StartClientAsync();
            var client = ClusterNode.Client(host);
            await client.GetGrain<ICustomerGrain>(Customer).Register(SampleBookings.Customer(Customer));
            foreach (var shipment in shipments)
            {
                Assert.Equal(CommandOutcome.Applied, (await client.GetGrain<IShipmentGrain>(shipment).Book(SampleBookings.Booking(shipment, Customer, Carrier))).Outcome);
            }

            // Queued through the intake: only the partition's reader, following its server, applies them to the shipments.
            await client.GetGrain<ICarrierEventIntakeGrain>(0).Enqueue([.. shipments.Select(shipment => Milestone(shipment, MilestoneType.PickedUp))]);
            await ListedAsync(host, shipments, ShipmentStatus.PickedUp);
            await Eventually.Holds(async () => await LagAsync(client) == 0, Deadline, "every partition's reader caught up");
            await host.StopAsync();
            await silo.KillAsync();
        }

        // Every row on its partition's server and none on the other: shipments, their queued events, the customer's snapshot.
        Assert.Equal(Even, await ColumnAsync<int>(primaryDb, "SELECT DISTINCT partition FROM event_journal ORDER BY 1"));
        Assert.Equal(Odd, await ColumnAsync<int>(extraDb, "SELECT DISTINCT partition FROM event_journal ORDER BY 1"));
        foreach (var (database, server) in new[] { (primaryDb, 0), (extraDb, 1) })
        {
            var rows = await Sql.QueryAsync(database, "SELECT stream_id, partition FROM event_journal", reader => (Stream: reader.GetString(0), Partition: reader.GetInt32(1)));
            Assert.All(rows, row => Assert.Equal(JournalPartitioning.PartitionOf(row.Stream, Partitions), row.Partition));
            Assert.Contains(rows, row => row.Stream.StartsWith("intake/", StringComparison.Ordinal));
            var snapshots = await ColumnAsync<string>(database, "SELECT stream_id FROM journal_snapshot");
            Assert.All(snapshots, stream => Assert.Equal(server, JournalPartitioning.PartitionOf(stream, Partitions) % 2));
        }

        var customerSnapshotOn = JournalPartitioning.PartitionOf(JournalStreams.Customer(Customer), Partitions) % 2 == 0 ? primaryDb : extraDb;
        Assert.Equal([JournalStreams.Customer(Customer)], await ColumnAsync<string>(customerSnapshotOn, "SELECT stream_id FROM journal_snapshot"));

        // Checkpoints and read models are the primary's alone, odd partitions' checkpoints included.
        Assert.Equal(Enumerable.Range(0, Partitions), await ColumnAsync<int>(primaryDb, "SELECT partition FROM journal_checkpoint ORDER BY 1"));
        Assert.Empty(await ColumnAsync<int>(extraDb, "SELECT partition FROM journal_checkpoint"));
        Assert.Empty(await ColumnAsync<string>(extraDb, "SELECT shipment_id FROM customer_shipment"));

        await using (var restarted = await cluster.StartSiloAsync("silo-after"))
        {
            // The silo's readiness asks every journal server, not the primary alone.
            using (var probe = new HttpClient { BaseAddress = restarted.BaseAddress })
            {
                Assert.Contains("PostgreSQL reachable (2 journal servers)", await probe.GetStringAsync(new Uri("health/ready", UriKind.Relative)), StringComparison.Ordinal);
            }

            using var host = await cluster.StartClientAsync();
            var client = ClusterNode.Client(host);
            foreach (var shipment in shipments)
            {
                var view = await client.GetGrain<IShipmentGrain>(shipment).GetView();
                Assert.Equal(ShipmentStatus.PickedUp, view?.Status);
                Assert.Equal([EventId(shipment, MilestoneType.PickedUp)], view!.Timeline.Select(carrierEvent => carrierEvent.EventId));
            }

            await client.GetGrain<ICarrierEventIntakeGrain>(0).Enqueue([.. shipments.Select(shipment => Milestone(shipment, MilestoneType.InTransit))]);
            await ListedAsync(host, shipments, ShipmentStatus.InTransit);
            await Eventually.Holds(async () => await LagAsync(client) == 0, Deadline, "every partition's reader caught up after the restart");
            await host.StopAsync();
        }

        // The recorded layout is two servers: one server alone is refused, and so is the primary standing in for server 1.
        var alone = cluster.Environment(LoopbackPorts.Next(), LoopbackPorts.Next());
        alone.Remove(ExtraServer);
        await RefusedAsync(alone, "lives on 2 server(s), but this process is configured with 1");
        var misplaced = cluster.Environment(LoopbackPorts.Next(), LoopbackPorts.Next());
        misplaced[ExtraServer] = primary;
        await RefusedAsync(misplaced, "is configured as journal server 1 of 2, but it records itself as server 0 of 2 of this journal");

        // A fresh server in place of the one whose rows the readers followed (replaced, or restored from before its first use).
        var replacement = await servers.Extra.CreateDatabaseAsync("journal_replacement");
        await new SchemaMigrator(new PostgresSettings(replacement, PostgresSettings.DefaultSchema), NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var replaced = cluster.Environment(LoopbackPorts.Next(), LoopbackPorts.Next());
        replaced[ExtraServer] = replacement;
        await RefusedAsync(replaced, "records no journal layout, but the readers of its partitions have already followed rows on journal server 1");
        Assert.Empty(await ColumnAsync<Guid>(Grid(replacement), "SELECT layout FROM journal_layout"));
    }

    [Fact]
    public async Task A_partition_read_on_an_extra_server_finds_its_rows_through_the_feed_index()
    {
        var settings = new PostgresSettings(await servers.Extra.CreateDatabaseAsync("journal_plans"), PostgresSettings.DefaultSchema);
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        // What an extra server of two holds: the odd partitions' rows and their streams' snapshots.
        await Sql.ExecuteAsync(settings.ProviderConnectionString, """
            INSERT INTO event_journal (stream_id, version, partition, event_type, payload)
            SELECT 'shipment/S-' || (i / 10), i % 10 + 1, (i / 10 % 8) * 2 + 1, 'Event', '\x00'::bytea FROM generate_series(0, 199999) AS i;
            INSERT INTO journal_snapshot (stream_id, version, commits, state_type, state)
            SELECT 'customer/C-' || i, 1, 1, 'State', '\x00'::bytea FROM generate_series(1, 100000) AS i;
            ANALYZE;
            """);
        await using var dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        string[] streams = ["shipment/S-7"];
        int[] versions = [11];
        int[] partitions = [15];
        string[] types = ["Event"];
        byte[][] payloads = [[0]];
        string?[] traceParents = [null];
        bool[] withSnapshot = [false];

        var partitionRead = await PlanAsync(connection, GridSql.ReadJournalPartition, 3, 0UL, 0L, 512);
        Assert.Contains("event_journal_feed", partitionRead, StringComparison.Ordinal);
        var plans = new[]
        {
            partitionRead,
            await PlanAsync(connection, GridSql.ReadJournalPartitionBacklog, 3, 0UL, 0L, 100_000),
            await PlanAsync(connection, GridSql.ReadJournalStream, "shipment/S-7"),
            await PlanAsync(connection, GridSql.ReadJournalSnapshot, "customer/C-7"),
            await PlanAsync(connection, GridSql.ReadJournalStreamVersions, (object)streams),
            await PlanAsync(connection, GridSql.AppendJournal,
                streams, versions, partitions, types, payloads, traceParents,
                Array.Empty<string>(), Array.Empty<int>(), Array.Empty<int>(), Array.Empty<string>(), Array.Empty<byte[]>(), withSnapshot, 1),
        };
        Assert.All(plans, plan => Assert.DoesNotContain("Seq Scan on event_journal", plan, StringComparison.Ordinal));
        Assert.All(plans, plan => Assert.DoesNotContain("Seq Scan on journal_snapshot", plan, StringComparison.Ordinal));
    }

    private static string Grid(string connectionString) => new PostgresSettings(connectionString, PostgresSettings.DefaultSchema).ProviderConnectionString;

    /// <summary>Shipments in id order until every partition has at least one, so both servers take appends and reads.</summary>
    private static List<string> ShipmentsOnEveryPartition()
    {
        var shipments = new List<string>();
        var covered = new HashSet<int>();
        for (var index = 0; covered.Count < Partitions; index++)
        {
            var shipment = $"S-JSRV-{index:D3}";
            covered.Add(JournalPartitioning.PartitionOf(JournalStreams.Shipment(shipment), Partitions));
            shipments.Add(shipment);
        }

        return shipments;
    }

    private static string EventId(string shipment, MilestoneType milestone) => $"E-{shipment}-{milestone}";

    private static CarrierEvent Milestone(string shipment, MilestoneType milestone) => new(
        EventId(shipment, milestone), Carrier, shipment, milestone, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow,
        null, null, null, EventSource.Stream, CarrierEvent.CurrentSchemaVersion, false);

    /// <summary>Waits until the customer's shipment list (a read model on the primary) shows every shipment at the status.</summary>
    private static Task ListedAsync(Microsoft.Extensions.Hosting.IHost host, IReadOnlyList<string> shipments, ShipmentStatus status) =>
        Eventually.Holds(
            async () =>
            {
                var page = await host.Services.GetRequiredService<IReadModels>()
                    .ListCustomerShipmentsAsync(Customer, new PageRequest(PageRequest.MaxLimit, null), CancellationToken.None);
                return page.Items.Where(item => item.Status == status).Select(item => item.ShipmentId).Order(StringComparer.Ordinal)
                    .SequenceEqual(shipments.Order(StringComparer.Ordinal), StringComparer.Ordinal);
            },
            Deadline,
            $"every shipment listed as {status}");

    private static async Task<long> LagAsync(IClusterClient client) =>
        (await Task.WhenAll(Enumerable.Range(0, Partitions).Select(partition => client.GetGrain<IJournalReaderGrain>(partition).GetLag()))).Sum(lag => lag.Events);

    private static async Task RefusedAsync(Dictionary<string, string> environment, string reason)
    {
        await using var silo = GridProcess.Start("refused", "Silo", "ShipmentGrid.Silo.dll", environment, siloPort: int.Parse(environment["Orleans__SiloPort"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(0, await silo.WaitForExitAsync(Deadline));
        Assert.Contains(reason, silo.Output, StringComparison.Ordinal);
    }

    private static Task<List<T>> ColumnAsync<T>(string connectionString, string sql) =>
        Sql.QueryAsync(connectionString, sql, reader => reader.GetFieldValue<T>(0));

    /// <summary>The plan PostgreSQL chooses for the statement with these values.</summary>
    private static async Task<string> PlanAsync(NpgsqlConnection connection, GridQuery query, params object?[] values)
    {
        await using var command = query.CreateCommand(connection, null, values);
        command.CommandText = "EXPLAIN " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
