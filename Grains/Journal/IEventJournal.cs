namespace ShipmentGrid.Journal;

/// <summary>
/// Append-only history of a grain's events: the source of truth its state is rebuilt from. An append
/// commits before the grain acknowledges anything, so an acknowledged fact survives the silo.
/// </summary>
public interface IEventJournal
{
    /// <summary>Every event of the stream, oldest first; empty for a stream never written.</summary>
    Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class;

    /// <summary>
    /// The W3C trace context (<c>traceparent</c>) each event of the stream was written under, oldest first; null where
    /// no trace was current. Empty for a stream never written. Read on demand (a shipment's story), never on activation.
    /// </summary>
    Task<IReadOnlyList<string?>> ReadTraceParentsAsync(string streamId, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="events"/> as versions <paramref name="expectedVersion"/>+1 onwards. Returns false,
    /// writing nothing, when the stream already holds more than <paramref name="expectedVersion"/> events
    /// (another activation wrote first).
    /// </summary>
    Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class;

    /// <summary>The state its writer stored with the stream's last commit, or null for a stream never committed with one.</summary>
    Task<JournalSnapshot<TState>?> ReadSnapshotAsync<TState>(string streamId, CancellationToken cancellationToken)
        where TState : class;

    /// <summary>
    /// Appends <paramref name="events"/> (none for a change of state alone) and stores <paramref name="state"/> as the
    /// stream's snapshot in one transaction. Returns false, writing neither, when the stream or its snapshot moved past
    /// <paramref name="expected"/> (another activation committed first).
    /// </summary>
    Task<bool> CommitAsync<TState, TEvent>(string streamId, SnapshotVersion expected, IReadOnlyList<TEvent> events, TState state, CancellationToken cancellationToken)
        where TState : class
        where TEvent : class;
}

/// <summary>
/// Where a stream kept with a snapshot stands: its <see cref="Events"/> (the stream's version) and its
/// <see cref="Commits"/>, which count changes of state without events too, so two activations cannot both store one.
/// </summary>
public readonly record struct SnapshotVersion(int Events, int Commits)
{
    /// <summary>A stream never committed with a snapshot.</summary>
    public static SnapshotVersion None => default;

    /// <summary>Where the stream stands once a commit of <paramref name="appended"/> events lands.</summary>
    public SnapshotVersion After(int appended) => new(Events + appended, Commits + 1);
}

/// <summary>A stream's snapshot: the state stored with its last commit and where the stream stood then.</summary>
public sealed record JournalSnapshot<TState>(TState State, SnapshotVersion Version)
    where TState : class;
