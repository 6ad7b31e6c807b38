using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;
using ShipmentGrid.Journal;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The journal on PostgreSQL with group commit: appends from every grain on the silo queue up while the
/// previous transaction commits, and the next transaction writes all of them with one statement. One commit
/// (one WAL flush) then acknowledges many events, so throughput follows the database's commit rate rather than
/// one round trip per event. The queue is bounded: an append that finds it full waits a moment for room, and when the
/// database stays behind appends are refused with <see cref="JournalSaturatedException"/> instead of piling up in
/// memory. Payloads use the Orleans serializer, written with their runtime type (so a reader can take them as they
/// are) and version tolerant through the contracts' [Id] and [Alias] attributes. Each row carries its partition and
/// the trace context of the request that wrote it; readers follow partitions through <see cref="IJournalFeed"/>, and
/// commit the read-model changes they derived (<see cref="PostgresReadModels"/>) in the transaction that moves their
/// checkpoint. A commit may carry its writer's state as the stream's snapshot: it joins the same statement, so the
/// events and the state commit together.
/// Every write is fenced (migration 0023): it records its writer, and once the cluster declares this silo dead it
/// commits nothing and throws <see cref="JournalWriterFencedException"/>.
/// Partitions may live on several servers (<see cref="JournalServers"/>): every statement about a stream or a partition
/// runs on its partition's server, and each server has its own group-commit writer and queue, so one slow server does
/// not hold up the appends of the others. Checkpoints and dead letters stay on the primary with the read models; a
/// reader reads its partition's rows on their server and commits its checkpoint with the read models on the primary,
/// never the two in one transaction.
/// </summary>
public sealed partial class PostgresEventJournal : BackgroundService, IEventJournal, IJournalFeed
{
    private const int MaxAppendsPerCommit = 512;

    private readonly JournalServers servers;
    private readonly Serializer serializer;
    private readonly PostgresReadModels readModels;
    private readonly ILogger<PostgresEventJournal> logger;

    // One queue of waiting appends per server, each emptied by its own writer loop.
    private readonly Channel<PendingAppend>[] pending;
    private readonly JournalWriterName writerName;
    private readonly SemaphoreSlim registering = new(1, 1);

    // This writer's id on each server (registered on first use).
    private readonly int?[] writerIds;

    private readonly TimeSpan saturationWait;
    private readonly TimeProvider clock;

    /// <summary>The journal with every partition on the one server of <paramref name="dataSource"/>.</summary>
    public PostgresEventJournal(
        NpgsqlDataSource dataSource,
        Serializer serializer,
        PostgresReadModels readModels,
        IOptions<JournalOptions> options,
        JournalWriterName writerName,
        ILogger<PostgresEventJournal> logger,
        TimeProvider? clock = null)
        : this(JournalServers.PrimaryOnly(dataSource), serializer, readModels, options, writerName, logger, clock)
    {
    }

    public PostgresEventJournal(
        JournalServers servers,
        Serializer serializer,
        PostgresReadModels readModels,
        IOptions<JournalOptions> options,
        JournalWriterName writerName,
        ILogger<PostgresEventJournal> logger,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(options);
        options.Value.Validate();
        this.servers = servers;
        this.serializer = serializer;
        this.readModels = readModels;
        this.logger = logger;
        this.writerName = writerName;
        writerIds = new int?[servers.Count];
        Partitions = options.Value.Partitions;
        saturationWait = options.Value.SaturationWait;
        this.clock = clock ?? TimeProvider.System;
        pending = [.. Enumerable.Range(0, servers.Count).Select(_ => Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(options.Value.WriterQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        }))];
    }

    public int Partitions { get; }

    /// <summary>
    /// A stream's events, read when its grain activates. An activation's failure does not pass the silo's grain-call
    /// filter, so a database failure is translated here into what Orleans can carry back to the caller.
    /// </summary>
    public async Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class
        => await TranslatingDatabaseFailureAsync(streamId, () => ReadStreamAsync<TEvent>(streamId, cancellationToken));

    private async Task<IReadOnlyList<TEvent>> ReadStreamAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class
    {
        await using var command = GridSql.ReadJournalStream.CreateCommand(ServerOf(streamId), streamId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<TEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(Deserialize<TEvent>(reader.GetFieldValue<byte[]>(0), streamId));
        }

        return events;
    }

    public async Task<IReadOnlyList<string?>> ReadTraceParentsAsync(string streamId, CancellationToken cancellationToken) =>
        await TranslatingDatabaseFailureAsync(streamId, async () =>
        {
            await using var command = GridSql.ReadJournalStreamTraces.CreateCommand(ServerOf(streamId), streamId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var traces = new List<string?>();
            while (await reader.ReadAsync(cancellationToken))
            {
                traces.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
            }

            return (IReadOnlyList<string?>)traces;
        });

    public async Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return true;
        }

        return await AppendTracedAsync(streamId, expectedVersion, events, snapshot: null, cancellationToken);
    }

    /// <summary>A stream's snapshot, read when its grain activates; a database failure is translated as in <see cref="ReadAsync{TEvent}(string, CancellationToken)"/>.</summary>
    public async Task<JournalSnapshot<TState>?> ReadSnapshotAsync<TState>(string streamId, CancellationToken cancellationToken)
        where TState : class
        => await TranslatingDatabaseFailureAsync(streamId, () => ReadStreamSnapshotAsync<TState>(streamId, cancellationToken));

    /// <summary>An activation read whose database failure becomes a <see cref="StorageFailureException"/> Orleans can carry.</summary>
    private async Task<T> TranslatingDatabaseFailureAsync<T>(string streamId, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (System.Data.Common.DbException exception)
        {
            LogActivationReadFailed(logger, exception, streamId);
            throw new StorageFailureException($"Journal stream {streamId} could not be read.", exception.IsTransient);
        }
    }

    private async Task<JournalSnapshot<TState>?> ReadStreamSnapshotAsync<TState>(string streamId, CancellationToken cancellationToken)
        where TState : class
    {
        await using var command = GridSql.ReadJournalSnapshot.CreateCommand(ServerOf(streamId), streamId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new JournalSnapshot<TState>(
                Deserialize<TState>(reader.GetFieldValue<byte[]>(2), streamId),
                new SnapshotVersion(reader.GetInt32(0), reader.GetInt32(1)))
            : null;
    }

    public async Task<bool> CommitAsync<TState, TEvent>(
        string streamId, SnapshotVersion expected, IReadOnlyList<TEvent> events, TState state, CancellationToken cancellationToken)
        where TState : class
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(state);
        var snapshot = new SnapshotRow(expected.After(events.Count), state.GetType().Name, serializer.SerializeToArray(state));
        return await AppendTracedAsync(streamId, expected.Events, events, snapshot, cancellationToken);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var command = GridSql.ClaimJournalPartitioning.CreateCommand(servers.Primary, Partitions))
        {
            var stored = (int)(await command.ExecuteScalarAsync(cancellationToken) ?? Partitions);
            if (stored != Partitions)
            {
                throw new InvalidOperationException(
                    $"The journal in this database has {stored} partitions, but this process is configured with {JournalOptions.Section}:Partitions={Partitions}. " +
                    "Stored rows keep their partition, so the count cannot change: configure every process with the stored value.");
            }
        }

        await servers.VerifyLayoutAsync(cancellationToken);
        for (var server = 0; server < servers.Count; server++)
        {
            await WriterIdAsync(server, cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        registering.Dispose();
        base.Dispose();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in pending)
        {
            queue.Writer.TryComplete();
        }

        await base.StopAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, JournalCursor after, int max, CancellationToken cancellationToken)
    {
        await using var command = GridSql.ReadJournalPartition.CreateCommand(servers.Of(partition), partition, after.Transaction, after.Position, max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<JournalRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var streamId = reader.GetString(2);
            records.Add(new JournalRecord(
                new JournalCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)),
                partition,
                streamId,
                reader.GetInt32(3),
                Deserialize<object>(reader.GetFieldValue<byte[]>(4), streamId),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return records;
    }

    public async Task<JournalCursor> ReadCheckpointAsync(int partition, CancellationToken cancellationToken)
    {
        await using var command = GridSql.ReadJournalCheckpoint.CreateCommand(servers.Primary, partition);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new JournalCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : JournalCursor.Start;
    }

    /// <summary>
    /// The checkpoint's compare-and-set first and the read-model writes after it, in one batch (one round trip) and one
    /// transaction: when the checkpoint has moved on, the whole transaction rolls back and nothing is applied.
    /// </summary>
    public async Task<bool> TryAdvanceAsync(
        int partition, JournalCursor current, JournalCursor advanced, IReadOnlyList<ReadModels.ReadModelChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var writer = await WriterIdAsync(0, cancellationToken);
        await using var connection = await servers.Primary.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long moved;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(GridSql.AdvanceJournalCheckpoint.CreateBatchCommand(
                partition, current.Transaction, current.Position, advanced.Transaction, advanced.Position, writer));
            readModels.AddChanges(batch, changes, checked((short)partition));

            // The checkpoint's fence holds a share lock on this writer's row until the commit, a second round trip. A
            // silo cut off between the two would hold it until its connection is found dead (hours of TCP keepalive),
            // and the membership change declaring it dead, which fences that row, would wait as long: the cluster
            // could not declare the silo dead at all. The server ends such a transaction after a few idle seconds.
            batch.BatchCommands.Add(GridSql.LimitIdleInTransaction.CreateBatchCommand());
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            moved = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : 0;
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }

        if (moved != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return moved < 0 ? throw new JournalWriterFencedException() : false;
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task DeadLetterAsync(JournalRecord record, string reason, int attempts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var command = GridSql.DeadLetterJournalEvent.CreateCommand(
            servers.Primary, record.Partition, record.Cursor.Position, record.StreamId, record.Version, record.Event.GetType().Name, reason, attempts);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One statement when the partition's rows live on the primary with its checkpoint; otherwise the unread events on
    /// the partition's server and the dead letters and checkpoint time on the primary, each read on its own (a lag figure,
    /// not a promise: the two need not be one snapshot).
    /// </summary>
    public async Task<JournalBacklog> ReadBacklogAsync(int partition, JournalCursor checkpoint, int countCap, CancellationToken cancellationToken)
    {
        if (servers.ServerOf(partition) == 0)
        {
            await using var command = GridSql.ReadJournalBacklog.CreateCommand(servers.Primary, partition, checkpoint.Transaction, checkpoint.Position, countCap);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new JournalBacklog(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
        }

        long unread;
        DateTimeOffset? oldest;
        await using (var command = GridSql.ReadJournalPartitionBacklog.CreateCommand(servers.Of(partition), partition, checkpoint.Transaction, checkpoint.Position, countCap))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            unread = reader.GetInt64(0);
            oldest = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
        }

        await using (var command = GridSql.ReadJournalReaderProgress.CreateCommand(servers.Primary, partition))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            return new JournalBacklog(unread, oldest, reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, servers.Count).Select(WriteAsync));

    /// <summary>
    /// The group-commit writer of one server: takes what waits in its queue and commits it, until the queue completes. It
    /// commits on connections of its own, held between commits: on the pool's connections its commit would wait in line
    /// behind every activation read, read-model write and ledger posting of the silo, and while it waited nothing it holds
    /// could be acknowledged, the queue filled and appends were refused (BENCHMARKS.md, "The writer's own connection").
    /// </summary>
    private async Task WriteAsync(int server)
    {
        var batch = new List<PendingAppend>(MaxAppendsPerCommit);
        var queue = pending[server].Reader;
        await using var connections = new WriterConnections(servers[server], server == 0 ? null : servers.Primary);
        while (await queue.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxAppendsPerCommit && queue.TryRead(out var append))
            {
                batch.Add(append);
            }

            try
            {
                await CommitAsync(server, connections, batch);
            }
            catch (Exception exception)
            {
                // Whatever went wrong fails this batch's appends (their callers see it); the writer goes on.
                LogCommitFailed(logger, exception, batch.Count, server);
                foreach (var append in batch)
                {
                    append.Completion.TrySetException(exception);
                }
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// Commits the batch in one statement per round; a round takes at most one append of each stream (a second one
    /// comes from a stale activation and waits for the next round). When another writer got to a version or a
    /// snapshot first, only the appends whose expectation is no longer current are refused; the rest commit
    /// together in the next statement.
    /// </summary>
    private async Task CommitAsync(int server, WriterConnections connections, List<PendingAppend> batch)
    {
        var waiting = batch;
        while (waiting.Count > 0)
        {
            var streams = new HashSet<string>(StringComparer.Ordinal);
            var round = waiting.Where(append => streams.Add(append.StreamId)).ToList();
            waiting = [.. waiting.Except(round)];
            await CommitRoundAsync(server, connections, round);
        }
    }

    private async Task CommitRoundAsync(int server, WriterConnections connections, IReadOnlyList<PendingAppend> round)
    {
        var remaining = round;
        while (remaining.Count > 0)
        {
            try
            {
                var stored = await InsertAsync(server, connections, remaining);
                foreach (var append in remaining)
                {
                    append.Completion.TrySetResult(append.Snapshot is null || stored.Contains(append.StreamId));
                }

                return;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                var stale = await StaleAppendsAsync(await connections.OwnAsync(), remaining);
                if (stale.Count == 0)
                {
                    throw;
                }

                foreach (var append in stale)
                {
                    append.Completion.TrySetResult(false);
                }

                remaining = [.. remaining.Except(stale)];
            }
        }
    }

    /// <summary>Appends whose stream has moved past the version they expected, or that lost to an earlier append of the same stream in the batch.</summary>
    private static async Task<List<PendingAppend>> StaleAppendsAsync(NpgsqlConnection server, IReadOnlyList<PendingAppend> appends)
    {
        await using var command = GridSql.ReadJournalStreamVersions.CreateCommand(
            server, null, (object)appends.Select(append => append.StreamId).Distinct(StringComparer.Ordinal).ToArray());
        var current = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                current[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        var stale = new List<PendingAppend>();
        foreach (var append in appends)
        {
            var version = current.GetValueOrDefault(append.StreamId);
            if (version != append.ExpectedVersion)
            {
                stale.Add(append);
            }
            else
            {
                current[append.StreamId] = append.ExpectedVersion + append.Rows.Length;
            }
        }

        return stale;
    }

    /// <summary>
    /// Writes the appends; answers the streams whose snapshot was stored (the others, and their events, were refused).
    /// The fence of migration 0023 is exact on the primary, where the membership change that declares this silo dead
    /// fences its writer. An extra journal server holds no membership, so before a commit there the writer's fence is
    /// read on the primary: a silo declared dead commits nothing that starts after the declaration.
    /// </summary>
    private async Task<HashSet<string>> InsertAsync(int server, WriterConnections connections, IReadOnlyList<PendingAppend> appends)
    {
        var rows = appends.SelectMany(append => append.Rows.Select(row => (Row: row, WithSnapshot: append.Snapshot is not null))).ToArray();
        var snapshots = appends.Where(append => append.Snapshot is not null).Select(append => (append.StreamId, Row: append.Snapshot!)).ToArray();
        var writer = await WriterIdAsync(server, CancellationToken.None);
        if (server != 0)
        {
            await using var fence = GridSql.ReadJournalWriterFence.CreateCommand(
                await connections.PrimaryAsync(), null, await WriterIdAsync(0, CancellationToken.None));
            if (await fence.ExecuteScalarAsync() is not false)
            {
                throw new JournalWriterFencedException();
            }
        }

        await using var command = GridSql.AppendJournal.CreateCommand(
            await connections.OwnAsync(),
            null,
            rows.Select(r => r.Row.StreamId).ToArray(),
            rows.Select(r => r.Row.Version).ToArray(),
            rows.Select(r => r.Row.Partition).ToArray(),
            rows.Select(r => r.Row.EventType).ToArray(),
            rows.Select(r => r.Row.Payload).ToArray(),
            rows.Select(r => r.Row.TraceParent).ToArray(),
            snapshots.Select(s => s.StreamId).ToArray(),
            snapshots.Select(s => s.Row.Version.Events).ToArray(),
            snapshots.Select(s => s.Row.Version.Commits).ToArray(),
            snapshots.Select(s => s.Row.StateType).ToArray(),
            snapshots.Select(s => s.Row.State).ToArray(),
            rows.Select(r => r.WithSnapshot).ToArray(),
            writer);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (reader.IsDBNull(0))
            {
                throw new JournalWriterFencedException();
            }

            stored.Add(reader.GetString(0));
        }

        return stored;
    }

    /// <summary>
    /// This journal's writer id on <paramref name="server"/>, registered on first use (the silo's hosted services may call
    /// before this one starts). A writer the primary already fenced (the cluster declared this silo dead before it wrote)
    /// refuses to start.
    /// </summary>
    private async Task<int> WriterIdAsync(int server, CancellationToken cancellationToken)
    {
        if (writerIds[server] is { } known)
        {
            return known;
        }

        await registering.WaitAsync(cancellationToken);
        try
        {
            if (writerIds[server] is null)
            {
                await using var command = GridSql.RegisterJournalWriter.CreateCommand(servers[server], writerName.Value);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                if (reader.GetBoolean(1))
                {
                    throw new JournalWriterFencedException($"Journal writer {writerName} was fenced before it wrote: the cluster declared this silo dead.");
                }

                writerIds[server] = reader.GetInt32(0);
            }

            return writerIds[server]!.Value;
        }
        finally
        {
            registering.Release();
        }
    }

    /// <summary>
    /// An append (or snapshot commit) under a database span; the rows carry that span's context, so the readers' spans
    /// continue the trace from it.
    /// </summary>
    private async Task<bool> AppendTracedAsync<TEvent>(
        string streamId, int expectedVersion, IReadOnlyList<TEvent> events, SnapshotRow? snapshot, CancellationToken cancellationToken)
        where TEvent : class
    {
        using var activity = GridTracing.StartDatabase("INSERT", "event_journal").TagStream(streamId);
        activity?.SetTag("db.operation.batch.size", events.Count);
        try
        {
            var appended = await EnqueueAsync(new PendingAppend(streamId, expectedVersion, Rows(streamId, expectedVersion, events), snapshot), cancellationToken);
            activity?.SetTag("shipmentgrid.journal.appended", appended);
            return appended;
        }
        catch (Exception exception)
        {
            activity.Failed(exception);
            throw;
        }
    }

    private JournalRow[] Rows<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events)
        where TEvent : class
    {
        var partition = JournalPartitioning.PartitionOf(streamId, Partitions);
        var traceParent = Activity.Current?.Id;
        var rows = new JournalRow[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            rows[i] = new JournalRow(streamId, expectedVersion + i + 1, partition, events[i].GetType().Name, serializer.SerializeToArray<object>(events[i]), traceParent);
        }

        return rows;
    }

    /// <summary>
    /// Queues the append for its server's writer. A full queue is waited on for at most
    /// <see cref="JournalOptions.SaturationWait"/> (a burst becomes latency); past that, or when the writer has stopped,
    /// the append is refused as saturated.
    /// </summary>
    private async Task<bool> EnqueueAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        var queue = pending[servers.ServerOf(JournalPartitioning.PartitionOf(append.StreamId, Partitions))].Writer;
        if (!queue.TryWrite(append))
        {
            using var waited = new CancellationTokenSource(saturationWait, clock);
            using var room = CancellationTokenSource.CreateLinkedTokenSource(waited.Token, cancellationToken);
            try
            {
                await queue.WriteAsync(append, room.Token);
            }
            catch (Exception exception) when (exception is ChannelClosedException
                || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new JournalSaturatedException();
            }
        }

        return await append.Completion.Task.WaitAsync(cancellationToken);
    }

    private NpgsqlDataSource ServerOf(string streamId) => servers.Of(JournalPartitioning.PartitionOf(streamId, Partitions));

    private TEvent Deserialize<TEvent>(byte[] payload, string streamId)
        where TEvent : class =>
        serializer.Deserialize<TEvent>(payload) ?? throw new InvalidDataException($"Journal stream {streamId} holds an empty event.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal stream {StreamId} could not be read")]
    private static partial void LogActivationReadFailed(ILogger logger, Exception exception, string streamId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal commit of {AppendCount} appends on journal server {Server} failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int appendCount, int server);

    /// <summary>
    /// The connections one writer loop holds: one to its server and, for an extra server, one to the primary for the fence.
    /// Each is opened on first use and again after it broke (a commit that failed on it failed its batch, as before).
    /// </summary>
    private sealed class WriterConnections(NpgsqlDataSource own, NpgsqlDataSource? primary) : IAsyncDisposable
    {
        private NpgsqlConnection? ownConnection;
        private NpgsqlConnection? primaryConnection;

        public async Task<NpgsqlConnection> OwnAsync() => ownConnection = await OpenAsync(own, ownConnection);

        public async Task<NpgsqlConnection> PrimaryAsync() =>
            primaryConnection = await OpenAsync(primary ?? throw new InvalidOperationException("The primary's writer holds no fence connection."), primaryConnection);

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in new[] { ownConnection, primaryConnection })
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }

        private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource source, NpgsqlConnection? held)
        {
            if (held is { State: System.Data.ConnectionState.Open })
            {
                return held;
            }

            if (held is not null)
            {
                await held.DisposeAsync();
            }

            return await source.OpenConnectionAsync();
        }
    }

    private sealed record JournalRow(string StreamId, int Version, int Partition, string EventType, byte[] Payload, string? TraceParent);

    /// <summary>The state a commit stores and where its stream stands once it lands.</summary>
    private sealed record SnapshotRow(SnapshotVersion Version, string StateType, byte[] State);

    private sealed class PendingAppend(string streamId, int expectedVersion, JournalRow[] rows, SnapshotRow? snapshot)
    {
        public string StreamId { get; } = streamId;

        public int ExpectedVersion { get; } = expectedVersion;

        public JournalRow[] Rows { get; } = rows;

        public SnapshotRow? Snapshot { get; } = snapshot;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
