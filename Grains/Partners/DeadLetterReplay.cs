using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>
/// Sends a dead-lettered carrier event to its shipment again once its cause is fixed. The attempt is counted first; a
/// replay the shipment refuses again comes back as a dead letter with the new reason (and reopens its queue item), one
/// it takes marks the letter replayed and resolves the item. A letter no longer open (replayed or discarded) is left as it is.
/// </summary>
public sealed class DeadLetterReplay(IGrainFactory grains, IReadModels readModels, TimeProvider clock)
{
    /// <summary>The letter after the attempt; null when there is no such dead letter.</summary>
    public async Task<DeadLetter?> ReplayAsync(string carrierId, string eventId, CancellationToken cancellationToken)
    {
        if (await readModels.FindDeadLetterAsync(carrierId, eventId, cancellationToken) is not { } letter)
        {
            return null;
        }

        // Replayed already, or discarded: replaying again changes nothing.
        if (letter.Status != DeadLetterStatus.Open)
        {
            return letter;
        }

        await readModels.ApplyAsync([new CountDeadLetterReplay(carrierId, eventId)], cancellationToken);
        var shipmentId = letter.CarrierEvent.ShipmentId;
        if (shipmentId.Length == 0 && letter.Reference is { } reference)
        {
            // Named only by a reference: the booking it waited for is found through the reference index, as on arrival.
            if (await readModels.FindShipmentsAsync(reference.Kind, reference.Value, carrierId, 1, cancellationToken) is not [var match, ..])
            {
                return await readModels.FindDeadLetterAsync(carrierId, eventId, cancellationToken);
            }

            shipmentId = match.ShipmentId;
        }

        var shipment = grains.GetGrain<IShipmentGrain>(shipmentId);
        var result = (await shipment.RecordCarrierEvents([letter.CarrierEvent with { ShipmentId = shipmentId, ReceivedAt = clock.GetUtcNow() }]))[0];
        if (result.Outcome != CommandOutcome.Rejected)
        {
            var now = clock.GetUtcNow();
            await readModels.ApplyAsync(
                [
                    new MarkDeadLetterReplayed(carrierId, eventId, now),
                    new ResolveExceptionItem(DeadLetters.ExceptionIdOf(carrierId, eventId), $"Replayed: {result.Outcome}.", now),
                ],
                cancellationToken);
        }

        return await readModels.FindDeadLetterAsync(carrierId, eventId, cancellationToken);
    }
}
