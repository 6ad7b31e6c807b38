using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

[GenerateSerializer, Alias("sg.dead-letter-status.v1")]
public enum DeadLetterStatus
{
    Open = 0,
    Replayed = 1,

    /// <summary>Operations decided the event will never apply and set it aside, with a reason.</summary>
    Discarded = 2,
}

/// <summary>
/// A carrier event the grid could not apply (unknown shipment, failed validation, a rule refused it), kept per carrier
/// with the reason, so nothing a partner sent is lost and it can be replayed once the cause is fixed.
/// <see cref="ReasonCode"/> is the rejection that put it here (None for letters kept before codes were recorded).
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.dead-letter.v1")]
public sealed record DeadLetter(
    [Id(0)] CarrierEvent CarrierEvent,
    [Id(1)] string Reason,
    [Id(2)] DateTimeOffset DeadLetteredAt,
    [Id(3)] DeadLetterStatus Status,
    [Id(4)] int ReplayAttempts,
    [Id(5)] DateTimeOffset? ReplayedAt,
    [Id(6)] RejectionCode ReasonCode = RejectionCode.None,
    [Id(7)] string? DiscardReason = null,
    [Id(8)] DateTimeOffset? DiscardedAt = null,
    [Id(9)] ShipmentReference? Reference = null);

/// <summary>
/// Which dead letters a cross-partner list shows: of one carrier, of one source (API, stream, EDI), of one rejection,
/// dead-lettered before a time (an age), open only or all.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.dead-letter-query.v1")]
public sealed record DeadLetterQuery(
    [Id(0)] string? CarrierId = null,
    [Id(1)] EventSource? Source = null,
    [Id(2)] RejectionCode? Reason = null,
    [Id(3)] DateTimeOffset? DeadLetteredBefore = null,
    [Id(4)] bool OpenOnly = true)
{
    public bool Matches(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return (CarrierId is null || letter.CarrierEvent.CarrierId == CarrierId)
            && (Source is null || letter.CarrierEvent.Source == Source)
            && (Reason is null || letter.ReasonCode == Reason)
            && (DeadLetteredBefore is null || letter.DeadLetteredAt < DeadLetteredBefore)
            && (!OpenOnly || letter.Status == DeadLetterStatus.Open);
    }
}
