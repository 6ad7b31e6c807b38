namespace ShipmentGrid.Shipments;

/// <summary>Where a carrier event sent to the durable intake queue stands.</summary>
[GenerateSerializer, Alias("sg.queued-event-status.v1")]
public enum QueuedEventStatus
{
    /// <summary>Committed to the journal, not yet applied to its shipment.</summary>
    Queued = 0,
    Accepted = 1,
    Duplicate = 2,
    Rejected = 3,
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
