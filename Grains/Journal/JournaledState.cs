namespace ShipmentGrid.Journal;

/// <summary>
/// A grain's state kept as the snapshot of its journal stream: each commit stores the state together with the events
/// of the transition that led to it, in one transaction, so what the journal's readers derive from the events never
/// disagrees with the state, and nothing is announced that is not stored. A commit another activation got to first
/// is refused: this activation's state is stale, so it deactivates and the command fails for the caller to retry.
/// </summary>
/// <remarks>
/// Grains that kept their state in Orleans grain storage before it moved here find it in <c>legacy</c>: a SQL
/// migration cannot move those rows (they are keyed by Orleans' grain id hashes and hold the provider's binary
/// format), but the grain can read them. So it takes the stored state when no snapshot exists yet, its next commit
/// moves it into the snapshot, and the grain-storage row is cleared once the snapshot holds it.
/// </remarks>
public sealed class JournaledState<TState, TEvent>(IEventJournal journal, IPersistentState<TState> legacy, IGrainContext grain, string streamId)
    where TState : class, new()
    where TEvent : class
{
    private SnapshotVersion version;
    private bool legacyToClear;

    public TState State { get; private set; } = new();

    public string StreamId => streamId;

    /// <summary>The stream version the first event of the next commit takes: an id for a transition with no key of its own.</summary>
    public int NextEventVersion => version.Events + 1;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        // A row left in grain storage beside a snapshot is one whose clearing was cut short: the snapshot is newer.
        legacyToClear = legacy.RecordExists;
        if (await journal.ReadSnapshotAsync<TState>(streamId, cancellationToken) is { } snapshot)
        {
            (State, version) = (snapshot.State, snapshot.Version);
        }
        else if (legacy.RecordExists)
        {
            State = legacy.State;
        }
    }

    /// <summary>
    /// Stores the state as it stands now, with <paramref name="events"/> if the change has any. A commit that fails (the
    /// database away or too slow, the writer's queue full) leaves this activation's state ahead of what is stored, and the
    /// transition's events unstored: the activation deactivates, so the caller's retry starts from the stored snapshot
    /// and makes the transition again with its events. Kept, the state would reach storage with the next commit without
    /// them, and nothing derived from the events (read models, notifications, KPIs) would ever hear of it.
    /// </summary>
    public async Task CommitAsync(params IReadOnlyList<TEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        bool committed;
        try
        {
            committed = await journal.CommitAsync(streamId, version, events, State, CancellationToken.None);
        }
        catch
        {
            Deactivate($"A commit to journal stream {streamId} failed; this activation's state is not what is stored.");
            throw;
        }

        if (!committed)
        {
            Deactivate($"Journal stream {streamId} moved past this activation.");
            throw new StaleActivationException($"Journal stream {streamId} changed elsewhere; retry the command.");
        }

        version = version.After(events.Count);
        if (legacyToClear)
        {
            await legacy.ClearStateAsync();
            legacyToClear = false;
        }
    }

    private void Deactivate(string reason) =>
        grain.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, reason), CancellationToken.None);
}
