using System.Diagnostics;
using Microsoft.Extensions.Options;
using ShipmentGrid.ReadModels;
using Orleans.Serialization;

namespace ShipmentGrid.Journal;

/// <summary>
/// The embedded default: a journal, its partitions and their checkpoints that live as long as the process.
/// Appends commit one at a time under a lock, so commit order and position order are the same. Never proof of
/// durability. A reader's read-model changes are applied under the same lock as its checkpoint move, so they
/// land together or not at all. Snapshots are kept serialised, as PostgreSQL keeps them, so a writer that goes on
/// changing its state object after a commit (or after a refused one) never changes what was stored.
/// </summary>
public sealed class InMemoryEventJournal : IEventJournal, IJournalFeed
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<object>> streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string?>> traceParents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (byte[] State, SnapshotVersion Version)> snapshots = new(StringComparer.Ordinal);
    private readonly List<JournalRecord>[] partitions;
    private readonly JournalCursor[] checkpoints;
    private readonly DateTimeOffset?[] checkpointTimes;
    private readonly long[] deadLetters;
    private readonly TimeProvider clock;
    private readonly InMemoryReadModels readModels;
    private readonly Serializer serializer;
    private long lastPosition;

    public InMemoryEventJournal(IOptions<JournalOptions> options, TimeProvider clock, InMemoryReadModels readModels, Serializer serializer)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Value.Validate();
        this.clock = clock;
        this.readModels = readModels;
        this.serializer = serializer;
        Partitions = options.Value.Partitions;
        partitions = [.. Enumerable.Range(0, Partitions).Select(_ => new List<JournalRecord>())];
        checkpoints = new JournalCursor[Partitions];
        checkpointTimes = new DateTimeOffset?[Partitions];
        deadLetters = new long[Partitions];
    }

    public int Partitions { get; }

    public Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<TEvent>>(streams.TryGetValue(streamId, out var stream) ? [.. stream.Cast<TEvent>()] : []);
        }
    }

    public Task<IReadOnlyList<string?>> ReadTraceParentsAsync(string streamId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<string?>>(traceParents.TryGetValue(streamId, out var traces) ? [.. traces] : []);
        }
    }

    public Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (gate)
        {
            return Task.FromResult(TryAppend(streamId, expectedVersion, events));
        }
    }

    public Task<JournalSnapshot<TState>?> ReadSnapshotAsync<TState>(string streamId, CancellationToken cancellationToken)
        where TState : class
    {
        lock (gate)
        {
            return Task.FromResult(snapshots.TryGetValue(streamId, out var snapshot)
                ? new JournalSnapshot<TState>(
                    serializer.Deserialize<TState>(snapshot.State) ?? throw new InvalidDataException($"Journal stream {streamId} holds an empty snapshot."),
                    snapshot.Version)
                : null);
        }
    }

    public Task<bool> CommitAsync<TState, TEvent>(
        string streamId, SnapshotVersion expected, IReadOnlyList<TEvent> events, TState state, CancellationToken cancellationToken)
        where TState : class
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(state);
        var stored = serializer.SerializeToArray(state);
        lock (gate)
        {
            var current = snapshots.TryGetValue(streamId, out var snapshot) ? snapshot.Version : SnapshotVersion.None;
            if (current.Commits != expected.Commits || !TryAppend(streamId, expected.Events, events))
            {
                return Task.FromResult(false);
            }

            snapshots[streamId] = (stored, expected.After(events.Count));
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, JournalCursor after, int max, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var records = partitions[partition];
            return Task.FromResult<IReadOnlyList<JournalRecord>>([.. records.Skip(FirstAfter(records, after)).Take(max)]);
        }
    }

    public Task<JournalCursor> ReadCheckpointAsync(int partition, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(checkpoints[partition]);
        }
    }

    public Task<bool> TryAdvanceAsync(
        int partition, JournalCursor current, JournalCursor advanced, IReadOnlyList<ReadModelChange> changes, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (checkpoints[partition] != current)
            {
                return Task.FromResult(false);
            }

            readModels.Apply(changes);
            checkpoints[partition] = advanced;
            checkpointTimes[partition] = clock.GetUtcNow();
            return Task.FromResult(true);
        }
    }

    public Task DeadLetterAsync(JournalRecord record, string reason, int attempts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (gate)
        {
            deadLetters[record.Partition]++;
        }

        return Task.CompletedTask;
    }

    public Task<JournalBacklog> ReadBacklogAsync(int partition, JournalCursor checkpoint, int countCap, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var records = partitions[partition];
            var first = FirstAfter(records, checkpoint);
            return Task.FromResult(new JournalBacklog(
                Math.Min(records.Count - first, countCap),
                first < records.Count ? records[first].RecordedAt : null,
                deadLetters[partition],
                checkpointTimes[partition]));
        }
    }

    /// <summary>Appends under the gate when the stream stands at <paramref name="expectedVersion"/>.</summary>
    private bool TryAppend<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events)
        where TEvent : class
    {
        if (!streams.TryGetValue(streamId, out var stream))
        {
            streams[streamId] = stream = [];
        }

        if (stream.Count != expectedVersion)
        {
            return false;
        }

        var partition = JournalPartitioning.PartitionOf(streamId, Partitions);
        var traceParent = Activity.Current?.Id;
        var now = clock.GetUtcNow();
        if (!traceParents.TryGetValue(streamId, out var traces))
        {
            traceParents[streamId] = traces = [];
        }

        foreach (var journalEvent in events)
        {
            stream.Add(journalEvent);
            traces.Add(traceParent);
            lastPosition++;
            partitions[partition].Add(new JournalRecord(
                new JournalCursor((ulong)lastPosition, lastPosition), partition, streamId, stream.Count, journalEvent, traceParent, now));
        }

        return true;
    }

    /// <summary>Index of the first record after <paramref name="cursor"/>: records are in cursor order, so a binary search finds it.</summary>
    private static int FirstAfter(List<JournalRecord> records, JournalCursor cursor)
    {
        int low = 0, high = records.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (records[middle].Cursor <= cursor)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
