namespace ShipmentGrid.Shipments;

/// <summary>
/// The read model of queued carrier events' outcomes, keyed by (carrier, event id). Queued is recorded when the
/// event is committed, the decision when it is applied. A decision is final, except that a rejected event
/// (e.g. for a shipment not yet booked) that a later replay applies becomes accepted; a queued state never
/// overwrites a decision.
/// </summary>
public interface IQueuedEventOutcomes
{
    Task RecordAsync(IReadOnlyList<QueuedEventOutcome> outcomes, CancellationToken cancellationToken);

    Task<QueuedEventOutcome?> FindAsync(string carrierId, string eventId, CancellationToken cancellationToken);
}

/// <summary>The precedence of outcomes both stores apply.</summary>
public static class QueuedEventOutcomeRules
{
    public static bool Replaces(QueuedEventOutcome incoming, QueuedEventOutcome? existing)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return existing is null
            || (incoming.Status != QueuedEventStatus.Queued && existing.Status is QueuedEventStatus.Queued or QueuedEventStatus.Rejected);
    }
}
