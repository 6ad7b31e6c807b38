namespace ShipmentGrid.Shipments;

/// <summary>
/// The read model of queued carrier events' outcomes, keyed by (carrier, event id). Queued is recorded when the
/// event is committed, the decision when it is applied. The same event id can be queued more than once (a partner
/// resending after a lost answer) or delivered again after a reader's crash, and its copies decided in any order,
/// so an outcome only moves up: Queued, Rejected, Accepted. An event in its shipment's history reads Accepted
/// whichever copy put it there; a rejected event that a later replay applies becomes Accepted.
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
        QueuedEventStatus.Accepted => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown queued-event status."),
    };
}
