using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The journal on PostgreSQL with group commit: appends from every grain on the silo queue up while the
/// previous transaction commits, and the next transaction writes all of them with one statement. One
/// commit (one WAL flush) then acknowledges many events, so throughput follows the database's commit rate
/// rather than one round trip per event. Payloads use the Orleans serializer, which is version tolerant
/// through the contracts' [Id] and [Alias] attributes.
/// </summary>
public sealed partial class PostgresEventJournal(NpgsqlDataSource dataSource, Serializer serializer, ILogger<PostgresEventJournal> logger)
    : BackgroundService, IEventJournal
{
    private const int MaxAppendsPerCommit = 512;
    private readonly Channel<PendingAppend> pending = Channel.CreateUnbounded<PendingAppend>(
        new UnboundedChannelOptions { SingleReader = true });

    public async Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class
    {
        await using var command = dataSource.CreateCommand(
            "SELECT payload FROM event_journal WHERE stream_id = $1 ORDER BY version");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<TEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(serializer.Deserialize<TEvent>(reader.GetFieldValue<byte[]>(0))
                ?? throw new InvalidDataException($"Journal stream {streamId} holds an empty event."));
        }

        return events;
    }

    public async Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class
    {
        if (events.Count == 0)
        {
            return true;
        }

        var rows = new JournalRow[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            rows[i] = new JournalRow(streamId, expectedVersion + i + 1, events[i].GetType().Name, serializer.SerializeToArray(events[i]));
        }

        var append = new PendingAppend(rows);
        await pending.Writer.WriteAsync(append, cancellationToken);
        return await append.Completion.Task.WaitAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        pending.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingAppend>(MaxAppendsPerCommit);
        while (await pending.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxAppendsPerCommit && pending.Reader.TryRead(out var append))
            {
                batch.Add(append);
            }

            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<PendingAppend> batch)
    {
        try
        {
            await InsertAsync(batch.SelectMany(append => append.Rows));
            foreach (var append in batch)
            {
                append.Completion.TrySetResult(true);
            }
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Someone else wrote one of these versions first; only its own append is refused, so retry each alone.
            foreach (var append in batch)
            {
                await CommitAloneAsync(append);
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogCommitFailed(logger, exception, batch.Count);
            foreach (var append in batch)
            {
                append.Completion.TrySetException(exception);
            }
        }
    }

    private async Task CommitAloneAsync(PendingAppend append)
    {
        try
        {
            await InsertAsync(append.Rows);
            append.Completion.TrySetResult(true);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            append.Completion.TrySetResult(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            append.Completion.TrySetException(exception);
        }
    }

    private async Task InsertAsync(IEnumerable<JournalRow> rows)
    {
        var list = rows as IReadOnlyCollection<JournalRow> ?? rows.ToArray();
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO event_journal (stream_id, version, event_type, payload)
            SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::bytea[])
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.StreamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.Version).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.EventType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal commit of {AppendCount} appends failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int appendCount);

    private sealed record JournalRow(string StreamId, int Version, string EventType, byte[] Payload);

    private sealed class PendingAppend(JournalRow[] rows)
    {
        public JournalRow[] Rows { get; } = rows;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
