using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

[GenerateSerializer, Alias("sg.dead-letter-status.v1")]
public enum DeadLetterStatus
{
    Open = 0,
    Replayed = 1,
}

/// <summary>
/// A carrier event the grid could not apply (unknown shipment, failed validation, a rule refused it), kept per carrier
/// with the reason, so nothing a partner sent is lost and it can be replayed once the cause is fixed.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.dead-letter.v1")]
public sealed record DeadLetter(
    [Id(0)] CarrierEvent CarrierEvent,
    [Id(1)] string Reason,
    [Id(2)] DateTimeOffset DeadLetteredAt,
    [Id(3)] DeadLetterStatus Status,
    [Id(4)] int ReplayAttempts,
    [Id(5)] DateTimeOffset? ReplayedAt);
