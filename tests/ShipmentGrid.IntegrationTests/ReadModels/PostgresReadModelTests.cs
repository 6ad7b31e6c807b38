using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Journal;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.ReadModels;

/// <summary>
/// The read-model contract on PostgreSQL, the journal's advance that commits the changes with the checkpoint or not at
/// all, and retention of queued events' outcomes. The tests share one migrated database, emptied before each test
/// (a database per test would leave the server a pool of idle connections per test).
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class PostgresReadModelTests(PostgresServer server) : ReadModelContract, IDisposable
{
    private static readonly ConditionalWeakTable<PostgresServer, Task<PostgresSettings>> Databases = [];

    private readonly ServiceProvider services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private NpgsqlDataSource dataSource = null!;

    [Fact]
    public async Task A_reader_whose_checkpoint_moved_on_applies_none_of_its_changes()
    {
        using var journal = new PostgresEventJournal(
            dataSource, services.GetRequiredService<Serializer>(), (PostgresReadModels)Store,
            Options.Create(new JournalOptions { Partitions = 1 }), new JournalWriterName("read-model-tests"), NullLogger<PostgresEventJournal>.Instance);
        Assert.True(await journal.TryAdvanceAsync(0, JournalCursor.Start, new JournalCursor(1, 1), [Track("S-1", "C-1", T0)], default));

        var stale = await journal.TryAdvanceAsync(
            0,
            JournalCursor.Start,
            new JournalCursor(2, 2),
            [
                Track("S-2", "C-1", T0),
                new OpenExceptionItem(Item("X-1", T0)),
                new CountKpi(KpiSubject.Carrier("CARR-1"), KpiMetrics.Bookings, T0, 1),
                new KeepDeadLetter(CarrierEvent("CARR-1", "E-1"), "invalid", T0),
            ],
            default);

        Assert.False(stale);
        Assert.Equal(new JournalCursor(1, 1), await journal.ReadCheckpointAsync(0, default));
        Assert.Equal(["S-1"], (await Store.ListCustomerShipmentsAsync("C-1", PageRequest.First(), default)).Items.Select(shipment => shipment.ShipmentId));
        Assert.Null(await Store.FindExceptionAsync("X-1", default));
        Assert.Null(await Store.FindDeadLetterAsync("CARR-1", "E-1", default));
        Assert.Empty(await Store.ReadKpisAsync(KpiSubject.Carrier("CARR-1"), DateOnly.MinValue, DateOnly.MaxValue, default));
    }

    /// <summary>
    /// Changes written outside the readers go in one batch without an explicit transaction (one round trip): a statement
    /// the database refuses (a NUL character in a text) leaves none of the batch's earlier statements behind.
    /// </summary>
    [Fact]
    public async Task A_change_the_database_refuses_takes_the_whole_apply_with_it()
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Store.ApplyAsync(
            [new OpenExceptionItem(Item("X-ATOMIC", T0)), Track("S-ATOMIC", "C-ATOMIC\0", T0)], default));

        Assert.Equal(PostgresErrorCodes.CharacterNotInRepertoire, refused.SqlState);
        Assert.Null(await Store.FindExceptionAsync("X-ATOMIC", default));
        await Store.ApplyAsync([new OpenExceptionItem(Item("X-ATOMIC", T0))], default);
        Assert.NotNull(await Store.FindExceptionAsync("X-ATOMIC", default));
    }

    /// <summary>
    /// Callers at once share a batch: while the first caller's write waits at the server (on a row another
    /// transaction holds), three more queue and go as one. One of them carries a change the server refuses; it alone
    /// fails, and the other two land.
    /// </summary>
    [Fact]
    public async Task Callers_queued_behind_a_write_share_one_batch_and_a_refused_change_fails_only_its_caller()
    {
        await using var holder = await dataSource.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(
            "INSERT INTO shipment_reference (kind, reference, carrier_id, shipment_id, customer_id, booked_at) VALUES (0, 'PRO-HELD', 'CARR-1', 'S-HELD', 'C-1', now())",
            holder,
            holding))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var first = Store.ApplyAsync([new IndexShipmentReferences(Booking("S-FIRST", "PRO-HELD"), T0)], default);
        await Eventually.Holds(
            async () =>
            {
                await using var waiting = dataSource.CreateCommand("SELECT count(*) FROM pg_locks WHERE NOT granted");
                return (long)(await waiting.ExecuteScalarAsync())! == 1;
            },
            TimeSpan.FromSeconds(20),
            "the first write waits on the held row");
        var good = Store.ApplyAsync([new OpenExceptionItem(Item("X-SHARED-1", T0))], default);
        var refused = Store.ApplyAsync([new OpenExceptionItem(Item("X-SHARED-BAD", T0)), Track("S-SHARED", "C-SHARED\0", T0)], default);
        var alsoGood = Store.ApplyAsync([new IndexShipmentReferences(Booking("S-SHARED-2", "PRO-SHARED-2"), T0)], default);
        await holding.RollbackAsync();

        await first;
        await good;
        await alsoGood;
        Assert.Equal(PostgresErrorCodes.CharacterNotInRepertoire, (await Assert.ThrowsAsync<PostgresException>(() => refused)).SqlState);
        Assert.NotNull(await Store.FindExceptionAsync("X-SHARED-1", default));
        Assert.Null(await Store.FindExceptionAsync("X-SHARED-BAD", default));
        Assert.Equal(["S-FIRST"], (await Store.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, "PRO-HELD", null, 10, default)).Select(match => match.ShipmentId));
        Assert.Equal(["S-SHARED-2"], (await Store.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, "PRO-SHARED-2", null, 10, default)).Select(match => match.ShipmentId));
    }

    /// <summary>Many callers at once, as a burst of bookings indexing their references: each one's write lands.</summary>
    [Fact]
    public async Task A_burst_of_callers_at_once_each_lands()
    {
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i =>
            Store.ApplyAsync([new IndexShipmentReferences(Booking($"S-BURST-{i}", $"PRO-BURST-{i}"), T0.AddSeconds(i))], default)));

        foreach (var i in Enumerable.Range(0, 500))
        {
            Assert.Equal(
                [$"S-BURST-{i}"],
                (await Store.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, $"PRO-BURST-{i}", "CARR-1", 10, default)).Select(match => match.ShipmentId));
        }
    }

    private static ShipmentBooking Booking(string shipmentId, string pro) => new(
        shipmentId, "C-1", "CARR-1", new Location("Lyon", null, "FR", "69001"), new Location("Nice", null, "FR", "06000"),
        new ShipmentReferences(pro, null, null), null, null, new ServiceFlags(false));

    /// <summary>
    /// Readers of two partitions add to the same carrier's day at once: the second commits while the first still holds
    /// its transaction open (each adds to its own shard; with shared rows it would wait for the first's commit and run
    /// into the lock timeout), and a read sums both.
    /// </summary>
    [Fact]
    public async Task Readers_of_different_partitions_add_to_one_kpi_day_without_waiting_for_each_other()
    {
        var carrier = KpiSubject.Carrier("CARR-SHARD");
        var store = (PostgresReadModels)Store;
        await using var first = await dataSource.OpenConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync();
        await using (var batch = new NpgsqlBatch(first, firstTransaction))
        {
            store.AddChanges(batch, [new CountKpi(carrier, KpiMetrics.Bookings, T0, 2), new ObserveKpi(carrier, KpiMetrics.Lateness, T0, TimeSpan.FromMinutes(10))], kpiShard: 1);
            await batch.ExecuteNonQueryAsync();
        }

        await using (var second = await dataSource.OpenConnectionAsync())
        await using (var secondTransaction = await second.BeginTransactionAsync())
        {
            await using (var batch = new NpgsqlBatch(second, secondTransaction))
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL lock_timeout = '2s'"));
                store.AddChanges(batch, [new CountKpi(carrier, KpiMetrics.Bookings, T0, 3), new ObserveKpi(carrier, KpiMetrics.Lateness, T0, TimeSpan.FromMinutes(30))], kpiShard: 2);
                await batch.ExecuteNonQueryAsync();
            }

            await secondTransaction.CommitAsync();
        }

        await firstTransaction.CommitAsync();
        var kpis = (await Store.ReadKpisAsync(carrier, DateOnly.MinValue, DateOnly.MaxValue, default)).ToDictionary(kpi => kpi.Metric);
        Assert.Equal(5, kpis[KpiMetrics.Bookings].Count);
        Assert.Equal(2, kpis[KpiMetrics.Lateness].Count);
        Assert.Equal(2400m, kpis[KpiMetrics.Lateness].TotalSeconds);
        Assert.Equal(600m, kpis[KpiMetrics.Lateness].MinSeconds);
        Assert.Equal(1800m, kpis[KpiMetrics.Lateness].MaxSeconds);
    }

    [Fact]
    public async Task Retention_removes_decided_queued_event_outcomes_past_their_days_and_keeps_undecided_ones()
    {
        await new PostgresQueuedEventOutcomes(dataSource).RecordAsync(
            [
                new QueuedEventOutcome("CARR-1", "E-old", "S-1", QueuedEventStatus.Accepted, null, T0.AddDays(-8)),
                new QueuedEventOutcome("CARR-1", "E-stuck", "S-1", QueuedEventStatus.Queued, null, T0.AddDays(-8)),
                new QueuedEventOutcome("CARR-1", "E-new", "S-1", QueuedEventStatus.Rejected, "invalid", T0.AddDays(-6)),
            ],
            default);

        Assert.Equal(1, await Store.PurgeAsync(new ReadModelRetentionOptions().CutoffsAt(T0), default));

        var outcomes = new PostgresQueuedEventOutcomes(dataSource);
        Assert.Null(await outcomes.FindAsync("CARR-1", "E-old", default));
        Assert.NotNull(await outcomes.FindAsync("CARR-1", "E-stuck", default));
        Assert.NotNull(await outcomes.FindAsync("CARR-1", "E-new", default));
    }

    protected override async Task DisposeStoreAsync() => await dataSource.DisposeAsync();

    public void Dispose() => services.Dispose();

    protected override async Task<IReadModels> CreateStoreAsync()
    {
        var settings = await Databases.GetValue(server, MigratedDatabaseAsync);
        await Sql.ExecuteAsync(
            settings.ProviderConnectionString,
            "TRUNCATE exception_item, service_case, service_case_entry, crm_notification, customer_shipment, carrier_dead_letter, kpi_bucket, " +
            "queued_event_outcome, journal_checkpoint");
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        return new PostgresReadModels(dataSource, services.GetRequiredService<Serializer>());
    }

    private static async Task<PostgresSettings> MigratedDatabaseAsync(PostgresServer server)
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("read_models"), "grid_read_models");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return settings;
    }
}
