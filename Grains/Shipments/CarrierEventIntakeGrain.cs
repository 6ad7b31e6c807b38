using System.Collections.Immutable;
using Orleans.Concurrency;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Shipments;

/// <summary>
/// Stateless, one or more per silo: commits queued carrier events as one journal stream per shipment and
/// batch, in the shipment's partition, where the partition's reader applies them in order.
/// </summary>
[StatelessWorker]
public sealed class CarrierEventIntakeGrain(IEventJournal journal) : Grain, ICarrierEventIntakeGrain
{
    public Task Enqueue(ImmutableArray<CarrierEvent> carrierEvents) =>
        Task.WhenAll(carrierEvents
            .GroupBy(carrierEvent => carrierEvent.ShipmentId, StringComparer.Ordinal)
            .Select(shipment => journal.AppendAsync(
                JournalStreams.Intake(shipment.Key, Guid.NewGuid()), 0, shipment.ToArray(), CancellationToken.None)));
}
