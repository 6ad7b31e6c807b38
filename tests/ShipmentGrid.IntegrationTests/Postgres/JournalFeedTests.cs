using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orleans.Serialization;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Journal;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// The journal's feed and writer on a real PostgreSQL: commit order across concurrent transactions, the fenced
/// checkpoint, a conflicting append refused alone, back pressure when the database stalls (a burst waits for room, a
/// stall past the saturation wait is refused), commits while others hold every pooled connection, and the write fence
/// of a silo the cluster declared dead.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class JournalFeedTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private const int Partitions = 4;
    private const int WriterQueueCapacity = 4;

    // The writer takes up to this many appends off its queue into the commit it is running.
    private const int AppendsPerCommit = 512;

    private readonly ServiceProvider services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly FakeTimeProvider clock = new();
    private NpgsqlDataSource dataSource = null!;
    private PostgresEventJournal journal = null!;
    private string connectionString = null!;

    public async Task InitializeAsync()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("journal_feed"), "grid_journal");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        connectionString = settings.ProviderConnectionString;
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        journal = new PostgresEventJournal(
            dataSource,
            services.GetRequiredService<Serializer>(),
            new PostgresReadModels(dataSource, services.GetRequiredService<Serializer>()),
            Options.Create(new JournalOptions { Partitions = Partitions, WriterQueueCapacity = WriterQueueCapacity }),
            new JournalWriterName("journal-feed-tests"),
            NullLogger<PostgresEventJournal>.Instance,
            clock);
        await journal.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await journal.StopAsync(CancellationToken.None);
        await dataSource.DisposeAsync();
    }

    public void Dispose()
    {
        journal.Dispose();
        services.Dispose();
    }

    [Fact]
    public async Task A_transaction_that_commits_late_with_a_lower_position_is_read_not_skipped()
    {
        var partition = 0;
        var checkpoint = await DrainAsync(partition, JournalCursor.Start);
        await using var early = await dataSource.OpenConnectionAsync();
        await using var late = await dataSource.OpenConnectionAsync();
        await using var earlyTransaction = await early.BeginTransactionAsync();
        await using var lateTransaction = await late.BeginTransactionAsync();

        // The early transaction takes the lower position, the late one a higher position, and commits first.
        await InsertRawAsync(early, partition, "raw/early");
        await InsertRawAsync(late, partition, "raw/late");
        await lateTransaction.CommitAsync();

        Assert.Empty(await journal.ReadAsync(partition, checkpoint, 100, CancellationToken.None));

        await earlyTransaction.CommitAsync();
        var records = await journal.ReadAsync(partition, checkpoint, 100, CancellationToken.None);
        Assert.Equal(["raw/early", "raw/late"], records.Select(record => record.StreamId));
        Assert.True(records[0].Cursor.Position < records[1].Cursor.Position);
    }

    [Fact]
    public async Task Rows_are_read_in_commit_order_even_when_positions_run_the_other_way()
    {
        var partition = 1;
        var checkpoint = await DrainAsync(partition, JournalCursor.Start);
        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync();
        await using var secondTransaction = await second.BeginTransactionAsync();

        // The first transaction has its id before the second, but inserts (takes its position) after it.
        await using (var assign = new NpgsqlCommand("SELECT pg_current_xact_id()", first, firstTransaction))
        {
            await assign.ExecuteScalarAsync();
        }

        await InsertRawAsync(second, partition, "raw/second");
        await secondTransaction.CommitAsync();
        await InsertRawAsync(first, partition, "raw/first");
        Assert.Empty(await journal.ReadAsync(partition, checkpoint, 100, CancellationToken.None));
        await firstTransaction.CommitAsync();

        var records = await journal.ReadAsync(partition, checkpoint, 100, CancellationToken.None);
        Assert.Equal(["raw/first", "raw/second"], records.Select(record => record.StreamId));
        Assert.True(records[0].Cursor.Position > records[1].Cursor.Position);
    }

    [Fact]
    public async Task A_streams_trace_contexts_read_back_in_version_order_with_null_where_no_trace_was_current()
    {
        var streamId = "feed/TRACED-1";
        string first, second;
        using (var booking = new System.Diagnostics.Activity("book").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            first = booking.Id!;
            Assert.True(await journal.AppendAsync<object>(streamId, 0, ["booked"], CancellationToken.None));
        }

        using (var events = new System.Diagnostics.Activity("events").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            second = events.Id!;
            Assert.True(await journal.AppendAsync<object>(streamId, 1, ["picked-up", "delivered"], CancellationToken.None));
        }

        Assert.True(await journal.AppendAsync<object>(streamId, 3, ["untraced"], CancellationToken.None));

        Assert.Equal([first, second, second, null], await journal.ReadTraceParentsAsync(streamId, CancellationToken.None));
        Assert.Empty(await journal.ReadTraceParentsAsync("feed/NEVER-WRITTEN", CancellationToken.None));
    }

    [Fact]
    public async Task Appended_events_come_back_with_their_partition_and_the_checkpoint_moves_only_from_where_it_stands()
    {
        var streamId = "feed/SHP-1";
        var partition = JournalPartitioning.PartitionOf(streamId, Partitions);
        var start = await journal.ReadCheckpointAsync(partition, CancellationToken.None);
        var before = await DrainAsync(partition, start);
        Assert.True(await journal.AppendAsync<object>(streamId, 0, ["one", "two"], CancellationToken.None));

        var records = await journal.ReadAsync(partition, before, 100, CancellationToken.None);
        Assert.Equal([(streamId, 1, "one"), (streamId, 2, "two")], records.Select(record => (record.StreamId, record.Version, (string)record.Event)));
        Assert.All(records, record => Assert.Equal(partition, record.Partition));

        Assert.True(await journal.TryAdvanceAsync(partition, start, records[^1].Cursor, [], CancellationToken.None));
        Assert.False(await journal.TryAdvanceAsync(partition, start, records[0].Cursor, [], CancellationToken.None));
        Assert.Equal(records[^1].Cursor, await journal.ReadCheckpointAsync(partition, CancellationToken.None));
        var backlog = await journal.ReadBacklogAsync(partition, records[^1].Cursor, 1000, CancellationToken.None);
        Assert.Equal((0L, (DateTimeOffset?)null), (backlog.Events, backlog.OldestRecordedAt));
    }

    [Fact]
    public async Task A_conflicting_append_is_refused_alone_and_the_others_of_its_batch_commit_once()
    {
        Assert.True(await journal.AppendAsync<object>("conflict/taken", 0, ["first"], CancellationToken.None));

        var appends = await Task.WhenAll(
            journal.AppendAsync<object>("conflict/taken", 0, ["stale"], CancellationToken.None),
            journal.AppendAsync<object>("conflict/free-1", 0, ["a"], CancellationToken.None),
            journal.AppendAsync<object>("conflict/free-2", 0, ["b", "c"], CancellationToken.None));

        Assert.Equal([false, true, true], appends);
        Assert.Equal(["first"], await journal.ReadAsync<object>("conflict/taken", CancellationToken.None));
        Assert.Equal(["b", "c"], await journal.ReadAsync<object>("conflict/free-2", CancellationToken.None));
    }

    [Fact]
    public async Task A_burst_past_the_writer_queue_waits_for_room_and_commits()
    {
        await using var blocker = await LockJournalAsync();

        var appends = Enumerable.Range(0, WriterQueueCapacity + AppendsPerCommit + 64)
            .Select(i => journal.AppendAsync<object>($"burst/{i}", 0, ["queued"], CancellationToken.None))
            .ToList();

        // Within the saturation wait (no time passes on the fake clock), appends past what the writer holds wait for room.
        Assert.DoesNotContain(appends, append => append.IsCompleted);

        await blocker.DisposeAsync();
        Assert.All(await Task.WhenAll(appends), Assert.True);
    }

    [Fact]
    public async Task A_database_stalled_past_the_saturation_wait_refuses_further_appends_not_holds_them()
    {
        await using var blocker = await LockJournalAsync();
        var appends = Enumerable.Range(0, WriterQueueCapacity + AppendsPerCommit + 64)
            .Select(i => journal.AppendAsync<object>($"stall/{i}", 0, ["queued"], CancellationToken.None))
            .ToList();

        clock.Advance(new JournalOptions().SaturationWait);
        await blocker.DisposeAsync();
        await Task.WhenAll(appends.Select(append => append.ContinueWith(_ => { }, TaskScheduler.Default)));

        // What the writer held commits once the database is back; the rest waited their time and were refused.
        var refused = appends.Where(append => append.IsFaulted).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, append => Assert.IsType<JournalSaturatedException>(append.Exception?.InnerException));
        var held = appends.Except(refused).ToList();
        Assert.InRange(held.Count, WriterQueueCapacity, WriterQueueCapacity + AppendsPerCommit);
        Assert.All(held, append => Assert.True(append.Result));
    }

    [Fact]
    public async Task The_writer_commits_while_others_hold_every_pooled_connection()
    {
        Assert.True(await journal.AppendAsync<object>("pool/first", 0, ["first"], CancellationToken.None));

        // Activation reads, read-model writes and ledger postings take the pool's connections; the writer holds its own.
        var taken = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < PostgresSettings.DefaultMaxPoolSize - 1; i++)
            {
                taken.Add(await dataSource.OpenConnectionAsync());
            }

            Assert.True(await PoolExhaustedAsync(), "the pool still had a connection: the writer holds none of its own");
            Assert.True(await journal.AppendAsync<object>("pool/second", 0, ["second"], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            foreach (var connection in taken)
            {
                await connection.DisposeAsync();
            }
        }

        Assert.Equal(["second"], await journal.ReadAsync<object>("pool/second", CancellationToken.None));
    }

    /// <summary>
    /// Whether the pool gives no more connection within a second. A slow connection on a busy machine can only make this
    /// true, never hand out a connection the pool does not have.
    /// </summary>
    private async Task<bool> PoolExhaustedAsync()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(patience.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Holds an exclusive lock on the journal's table until disposed (the transaction rolls back): a stalled database.</summary>
    private async Task<JournalLock> LockJournalAsync()
    {
        var blocker = await dataSource.OpenConnectionAsync();
        var blocking = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE event_journal IN ACCESS EXCLUSIVE MODE", blocker, blocking))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        return new JournalLock(blocker, blocking);
    }

    private sealed class JournalLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_writer_survives_a_failed_commit_and_keeps_committing()
    {
        await using (var constrain = dataSource.CreateCommand(
            "ALTER TABLE event_journal ADD CONSTRAINT no_poison CHECK (stream_id <> 'poison/x')"))
        {
            await constrain.ExecuteNonQueryAsync();
        }

        try
        {
            await Assert.ThrowsAsync<PostgresException>(() => journal.AppendAsync<object>("poison/x", 0, ["bad"], CancellationToken.None));
            Assert.True(await journal.AppendAsync<object>("after-poison/y", 0, ["good"], CancellationToken.None));
        }
        finally
        {
            await using var release = dataSource.CreateCommand("ALTER TABLE event_journal DROP CONSTRAINT no_poison");
            await release.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Rows_record_their_writer_and_a_silo_declared_dead_by_the_membership_query_commits_nothing_more()
    {
        var silo = await JoinMembershipAsync("10.9.0.7", 11111, 424242);
        using var writer = await StartJournalAsync(new JournalWriterName("10.9.0.7:11111@424242"));
        var streamId = "fence/SHP-1";
        var partition = JournalPartitioning.PartitionOf(streamId, Partitions);
        Assert.True(await writer.AppendAsync<object>(streamId, 0, ["before"], CancellationToken.None));
        var checkpoint = await journal.ReadCheckpointAsync(partition, CancellationToken.None);
        var records = await journal.ReadAsync(partition, checkpoint, 100, CancellationToken.None);
        var written = Assert.Single(records, record => record.StreamId == streamId);
        Assert.True(await writer.TryAdvanceAsync(partition, checkpoint, written.Cursor, [], CancellationToken.None));
        Assert.Equal(
            ["10.9.0.7:11111@424242"],
            await Sql.QueryAsync(connectionString, "SELECT w.name FROM event_journal j JOIN journal_writer w ON w.id = j.writer WHERE j.stream_id = @s", r => r.GetString(0), ("s", streamId)));

        await DeclareDeadAsync(silo);

        await Assert.ThrowsAsync<JournalWriterFencedException>(() => writer.AppendAsync<object>(streamId, 1, ["after"], CancellationToken.None));
        await Assert.ThrowsAsync<JournalWriterFencedException>(() => writer.CommitAsync<object, object>(
            "fence/INV-1", SnapshotVersion.None, ["after"], "state", CancellationToken.None));
        await Assert.ThrowsAsync<JournalWriterFencedException>(() => writer.TryAdvanceAsync(partition, written.Cursor, new JournalCursor(written.Cursor.Transaction, written.Cursor.Position + 1), [], CancellationToken.None));
        Assert.Equal(["before"], (await journal.ReadAsync<object>(streamId, CancellationToken.None)).Cast<string>());
        Assert.Null(await journal.ReadSnapshotAsync<object>("fence/INV-1", CancellationToken.None));
        Assert.Equal(written.Cursor, await journal.ReadCheckpointAsync(partition, CancellationToken.None));

        // Another writer (the silo that took the grains over) goes on, and the dead one cannot start again.
        Assert.True(await journal.AppendAsync<object>(streamId, 1, ["after"], CancellationToken.None));
        using var again = new PostgresEventJournal(
            dataSource, services.GetRequiredService<Serializer>(), new PostgresReadModels(dataSource, services.GetRequiredService<Serializer>()),
            Options.Create(new JournalOptions { Partitions = Partitions }), new JournalWriterName("10.9.0.7:11111@424242"), NullLogger<PostgresEventJournal>.Instance);
        await Assert.ThrowsAsync<JournalWriterFencedException>(() => again.StartAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_checkpoint_transaction_its_silo_never_finishes_does_not_hold_off_the_declaration_of_its_death()
    {
        var silo = await JoinMembershipAsync("10.9.0.9", 11111, 616161);
        using var writer = await StartJournalAsync(new JournalWriterName("10.9.0.9:11111@616161"));
        var writerId = (await Sql.QueryAsync(connectionString, "SELECT id FROM journal_writer WHERE name = '10.9.0.9:11111@616161'", r => r.GetInt32(0))).Single();

        // The checkpoint batch as the journal sends it, then the silo is cut off: no COMMIT ever arrives, and the open
        // transaction holds its share lock on the writer row that the declaration must fence.
        await using var cut = await dataSource.OpenConnectionAsync();
        await using var open = await cut.BeginTransactionAsync();
        await using (var batch = new NpgsqlBatch(cut, open))
        {
            batch.BatchCommands.Add(GridSql.AdvanceJournalCheckpoint.CreateBatchCommand(3, 0UL, 0L, 1UL, 1L, writerId));
            batch.BatchCommands.Add(GridSql.LimitIdleInTransaction.CreateBatchCommand());
            await batch.ExecuteNonQueryAsync();
        }

        // Without the idle limit this waits for the lock past the command timeout and throws.
        await DeclareDeadAsync(silo);

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => open.CommitAsync());
        Assert.Equal(JournalCursor.Start, await journal.ReadCheckpointAsync(3, CancellationToken.None));
    }

    [Fact]
    public async Task A_silo_declared_dead_before_it_ever_wrote_is_fenced_from_its_first_write()
    {
        await DeclareDeadAsync(await JoinMembershipAsync("10.9.0.8", 11111, 515151));
        using var writer = new PostgresEventJournal(
            dataSource, services.GetRequiredService<Serializer>(), new PostgresReadModels(dataSource, services.GetRequiredService<Serializer>()),
            Options.Create(new JournalOptions { Partitions = Partitions }), new JournalWriterName("10.9.0.8:11111@515151"), NullLogger<PostgresEventJournal>.Instance);
        await Assert.ThrowsAsync<JournalWriterFencedException>(() => writer.StartAsync(CancellationToken.None));
    }

    private async Task<PostgresEventJournal> StartJournalAsync(JournalWriterName name)
    {
        var started = new PostgresEventJournal(
            dataSource, services.GetRequiredService<Serializer>(), new PostgresReadModels(dataSource, services.GetRequiredService<Serializer>()),
            Options.Create(new JournalOptions { Partitions = Partitions }), name, NullLogger<PostgresEventJournal>.Instance);
        await started.StartAsync(CancellationToken.None);
        return started;
    }

    /// <summary>A silo's membership row as Orleans' join leaves it (Active), in a deployment of its own.</summary>
    private async Task<(string Deployment, string Address, int Port, int Generation)> JoinMembershipAsync(string address, int port, int generation)
    {
        var deployment = $"fence-{generation}";
        await Sql.ExecuteAsync(connectionString, $"""
            INSERT INTO membership_version (deployment_id, version) VALUES ('{deployment}', 1);
            INSERT INTO membership_silo (deployment_id, address, port, generation, silo_name, host_name, status, start_time, i_am_alive_time)
            VALUES ('{deployment}', '{address}', {port}, {generation}, 'silo', 'host', 3, now(), now());
            """);
        return (deployment, address, port, generation);
    }

    /// <summary>Declares the silo dead the way the cluster does: the provider's own UpdateMembershipKey text from OrleansQuery.</summary>
    private async Task DeclareDeadAsync((string Deployment, string Address, int Port, int Generation) silo)
    {
        var text = (await Sql.QueryAsync(connectionString, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'UpdateMembershipKey'", r => r.GetString(0))).Single();
        await using var command = dataSource.CreateCommand(text);
        command.Parameters.AddWithValue("DeploymentId", silo.Deployment);
        command.Parameters.AddWithValue("Version", 1);
        command.Parameters.AddWithValue("Address", silo.Address);
        command.Parameters.AddWithValue("Port", silo.Port);
        command.Parameters.AddWithValue("Generation", silo.Generation);
        command.Parameters.AddWithValue("Status", 6);
        command.Parameters.Add(new NpgsqlParameter("SuspectTimes", NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value });
        command.Parameters.AddWithValue("IAmAliveTime", DateTime.UtcNow);
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }

    private async Task<JournalCursor> DrainAsync(int partition, JournalCursor from)
    {
        var records = await journal.ReadAsync(partition, from, 100_000, CancellationToken.None);
        return records.Count == 0 ? from : records[^1].Cursor;
    }

    private async Task InsertRawAsync(NpgsqlConnection connection, int partition, string streamId)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO event_journal (stream_id, version, partition, event_type, payload) VALUES ($1, 1, $2, 'String', $3)", connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = streamId });
        insert.Parameters.Add(new NpgsqlParameter { Value = partition });
        insert.Parameters.Add(new NpgsqlParameter { Value = services.GetRequiredService<Serializer>().SerializeToArray<object>(streamId) });
        await insert.ExecuteNonQueryAsync();
    }
}
