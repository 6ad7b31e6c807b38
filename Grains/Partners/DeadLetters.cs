using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>How a carrier event the grid could not apply is kept: the letter itself, and the item operations work it from.</summary>
public static class DeadLetters
{
    private const int MaxReasonLength = 1000;

    /// <summary>
    /// The letter and its dead-letter queue item. The item's cause is the event as received (a replay or a partner's
    /// resend is received anew), so a failed replay reopens a resolved item and a redelivered batch does not.
    /// </summary>
    public static IReadOnlyList<ReadModelChange> Keep(
        CarrierEvent received, string reason, DateTimeOffset now, RejectionCode reasonCode = RejectionCode.None, ShipmentReference? reference = null)
    {
        // Whatever reached the grid, a letter holds at most a bounded prefix of each text.
        var carrierEvent = ShipmentValidation.Bounded(received);
        reason = ShipmentValidation.Cut(reason, MaxReasonLength) ?? string.Empty;
        return
        [
            new KeepDeadLetter(carrierEvent, reason, now, reasonCode, reference),
            new OpenExceptionItem(ExceptionRouting.Open(
                ExceptionQueue.DeadLetter, SubjectOf(carrierEvent.CarrierId, carrierEvent.EventId), reason, now,
                $"{carrierEvent.EventId}@{carrierEvent.ReceivedAt.UtcTicks}")),
        ];
    }

    /// <summary>How a dead letter is named in the operations queue; the exceptions API routes a retry back by it.</summary>
    public static string SubjectOf(string carrierId, string eventId) => $"carrier/{carrierId}/event/{eventId}";

    public static string ExceptionIdOf(string carrierId, string eventId) =>
        ExceptionRouting.ExceptionIdOf(ExceptionQueue.DeadLetter, SubjectOf(carrierId, eventId));
}
