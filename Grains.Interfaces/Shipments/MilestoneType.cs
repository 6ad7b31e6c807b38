namespace ShipmentGrid.Shipments;

/// <summary>Normal progress of a shipment. The numeric values are the business order; keep them ascending.</summary>
[GenerateSerializer, Alias("sg.milestone-type.v1")]
public enum MilestoneType
{
    Dispatched = 1,
    PickedUp = 2,
    InTransit = 3,
    ArrivedAtDelivery = 4,
    Delivered = 5,
    ProofOfDelivery = 6,
}

/// <summary>What went wrong on the way; possible any time before delivery.</summary>
[GenerateSerializer, Alias("sg.exception-kind.v1")]
public enum ExceptionKind
{
    Delayed = 0,
    AttemptedDelivery = 1,
    Refused = 2,
    Damaged = 3,
    Other = 4,
}

/// <summary>Status of a shipment: booked, then the highest milestone reached (never moves back).</summary>
[GenerateSerializer, Alias("sg.shipment-status.v1")]
public enum ShipmentStatus
{
    Booked = 0,
    Dispatched = MilestoneType.Dispatched,
    PickedUp = MilestoneType.PickedUp,
    InTransit = MilestoneType.InTransit,
    ArrivedAtDelivery = MilestoneType.ArrivedAtDelivery,
    Delivered = MilestoneType.Delivered,
    ProofOfDelivery = MilestoneType.ProofOfDelivery,
}

[GenerateSerializer, Alias("sg.event-source.v1")]
public enum EventSource
{
    Api = 0,
    Stream = 1,
    Edi = 2,
}
