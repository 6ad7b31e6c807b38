namespace ShipmentGrid.Shipments;

/// <summary>Where a carrier event sent to the durable intake queue stands.</summary>
[GenerateSerializer, Alias("sg.queued-event-status.v1")]
public enum QueuedEventStatus
{
    /// <summary>Committed to the journal, not yet applied to its shipment.</summary>
    Queued = 0,

    /// <summary>In its shipment's history, once: applied from this copy, or from an earlier copy of the same event id.</summary>
    Accepted = 1,

    /// <summary>Not applied; the reason says why (it can be replayed from the carrier's dead letters once the cause is fixed).</summary>
    Rejected = 2,
}

/// <summary>The outcome of a queued carrier event, found by the carrier and the carrier's event id.</summary>
[GenerateSerializer, Immutable, Alias("sg.queued-event-outcome.v1")]
public sealed record QueuedEventOutcome(
    [Id(0)] string CarrierId,
    [Id(1)] string EventId,
    [Id(2)] string ShipmentId,
    [Id(3)] QueuedEventStatus Status,
    [Id(4)] string? Reason,
    [Id(5)] DateTimeOffset UpdatedAt);
