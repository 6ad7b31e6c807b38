using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Shipments;

/// <summary>
/// Stateless, one or more per silo: commits queued carrier events as one journal stream per shipment and
/// batch, in the shipment's partition, where the partition's reader applies them in order. Once committed, each
/// event reads as Queued by its event id until it is applied.
/// </summary>
[StatelessWorker]
public sealed class CarrierEventIntakeGrain(IEventJournal journal, IQueuedEventOutcomes outcomes, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, ICarrierEventIntakeGrain
{
    public async Task Enqueue(ImmutableArray<CarrierEvent> carrierEvents)
    {
        // The journal keeps what it is given for years: texts over their bounds are refused here too, whoever the caller.
        var tooLong = carrierEvents.SelectMany(ShipmentValidation.ValidateLengths).Select(error => error.Key).Distinct(StringComparer.Ordinal).ToList();
        if (tooLong.Count > 0)
        {
            throw new ArgumentException($"Carrier events with texts over their bounds are not queued: {string.Join(", ", tooLong)}.", nameof(carrierEvents));
        }

        await Task.WhenAll(carrierEvents
            .GroupBy(carrierEvent => carrierEvent.ShipmentId, StringComparer.Ordinal)
            .Select(shipment => journal.AppendAsync(
                JournalStreams.Intake(shipment.Key, Guid.NewGuid()), 0, shipment.ToArray(), CancellationToken.None)));
        var now = clock.GetUtcNow();
        await outcomes.RecordAsync(
            [.. carrierEvents.Select(carrierEvent => new QueuedEventOutcome(
                carrierEvent.CarrierId, carrierEvent.EventId, carrierEvent.ShipmentId, QueuedEventStatus.Queued, null, now))],
            CancellationToken.None);
    }
}
