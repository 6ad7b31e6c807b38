namespace ShipmentGrid.Shipments;

/// <summary>
/// The read model of queued carrier events' outcomes, keyed by (carrier, event id). Queued is recorded when the
/// event is committed, the decision when it is applied. The same event id can be queued more than once (a partner
/// resending after a lost answer) and its copies decided in any order, so an outcome only moves up: Queued,
/// Rejected, Duplicate, Accepted. An event any copy of which was applied reads Accepted; a rejected event that a
/// later replay applies becomes Accepted.
/// </summary>
public interface IQueuedEventOutcomes
{
    Task RecordAsync(IReadOnlyList<QueuedEventOutcome> outcomes, CancellationToken cancellationToken);

    Task<QueuedEventOutcome?> FindAsync(string carrierId, string eventId, CancellationToken cancellationToken);
}

/// <summary>The precedence of outcomes both stores apply (the PostgreSQL upsert states the same order).</summary>
public static class QueuedEventOutcomeRules
{
    public static bool Replaces(QueuedEventOutcome incoming, QueuedEventOutcome? existing)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return existing is null || Rank(incoming.Status) > Rank(existing.Status);
    }

    private static int Rank(QueuedEventStatus status) => status switch
    {
        QueuedEventStatus.Queued => 0,
        QueuedEventStatus.Rejected => 1,
        QueuedEventStatus.Duplicate => 2,
        QueuedEventStatus.Accepted => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown queued-event status."),
    };
}
