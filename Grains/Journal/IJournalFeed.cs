namespace ShipmentGrid.Journal;

/// <summary>
/// Where a journal row stands in its partition's commit order: the committing transaction, then the row's
/// position. Readers order and checkpoint by it, so a transaction that commits late with a low position is
/// still read after the ones that committed before it, never skipped.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.journal-cursor.v1")]
public readonly record struct JournalCursor([property: Id(0)] ulong Transaction, [property: Id(1)] long Position) : IComparable<JournalCursor>
{
    public static JournalCursor Start => default;

    public int CompareTo(JournalCursor other) =>
        Transaction != other.Transaction ? Transaction.CompareTo(other.Transaction) : Position.CompareTo(other.Position);

    public static bool operator <(JournalCursor left, JournalCursor right) => left.CompareTo(right) < 0;

    public static bool operator >(JournalCursor left, JournalCursor right) => left.CompareTo(right) > 0;

    public static bool operator <=(JournalCursor left, JournalCursor right) => left.CompareTo(right) <= 0;

    public static bool operator >=(JournalCursor left, JournalCursor right) => left.CompareTo(right) >= 0;
}

/// <summary>One committed journal row as a reader sees it.</summary>
public sealed record JournalRecord(
    JournalCursor Cursor,
    int Partition,
    string StreamId,
    int Version,
    object Event,
    string? TraceParent,
    DateTimeOffset RecordedAt);

/// <summary>What a reader knows of its partition's backlog.</summary>
public sealed record JournalBacklog(long Events, DateTimeOffset? OldestRecordedAt, long DeadLetters, DateTimeOffset? CheckpointAt);

/// <summary>
/// The journal as its readers see it: partitions read in commit order from a checkpoint, and the checkpoint
/// advanced only by the reader that holds the one it read from (two readers of one partition during a failover
/// cannot both move it).
/// </summary>
public interface IJournalFeed
{
    int Partitions { get; }

    /// <summary>Up to <paramref name="max"/> rows of the partition committed after <paramref name="after"/>, in commit order.</summary>
    Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, JournalCursor after, int max, CancellationToken cancellationToken);

    Task<JournalCursor> ReadCheckpointAsync(int partition, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the checkpoint from <paramref name="current"/> to <paramref name="advanced"/> and applies the read-model
    /// changes derived from the rows in between, in one transaction; false, applying nothing, when the checkpoint no
    /// longer stands at <paramref name="current"/>.
    /// </summary>
    Task<bool> TryAdvanceAsync(
        int partition, JournalCursor current, JournalCursor advanced, IReadOnlyList<ReadModels.ReadModelChange> changes, CancellationToken cancellationToken);

    /// <summary>Keeps an event that its follower failed for good, with the reason, so the reader can move on.</summary>
    Task DeadLetterAsync(JournalRecord record, string reason, int attempts, CancellationToken cancellationToken);

    Task<JournalBacklog> ReadBacklogAsync(int partition, JournalCursor checkpoint, int countCap, CancellationToken cancellationToken);
}
