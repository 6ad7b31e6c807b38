namespace ShipmentGrid.Shipments;

/// <summary>
/// The one envelope for everything a carrier reports about a shipment, whatever the channel (API, stream,
/// EDI 214). It carries exactly one of <see cref="Milestone"/> or <see cref="DeliveryException"/>.
/// <see cref="EventId"/> is the carrier's own id, unique per carrier: (CarrierId, EventId) deduplicates.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.carrier-event.v1")]
public sealed record CarrierEvent(
    [Id(0)] string EventId,
    [Id(1)] string CarrierId,
    [Id(2)] string ShipmentId,
    [Id(3)] MilestoneType? Milestone,
    [Id(4)] ExceptionKind? DeliveryException,
    [Id(5)] DateTimeOffset OccurredAt,
    [Id(6)] DateTimeOffset ReceivedAt,
    [Id(7)] Location? Location,
    [Id(8)] string? ReasonCode,
    [Id(9)] string? Notes,
    [Id(10)] EventSource Source,
    [Id(11)] int SchemaVersion,
    [Id(12)] bool DetentionReported)
{
    public const int CurrentSchemaVersion = 1;
}
