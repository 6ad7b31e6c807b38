namespace ShipmentGrid.Billing;

/// <summary>
/// One charge on a shipment. <see cref="ChargeId"/> is the idempotency key: the same id again is a
/// duplicate, the same id with other content is a conflict.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.charge.v1")]
public sealed record Charge(
    [Id(0)] string ChargeId,
    [Id(1)] ChargeType Type,
    [Id(2)] Money Amount,
    [Id(3)] ChargeSource Source,
    [Id(4)] string? SourceReference);
