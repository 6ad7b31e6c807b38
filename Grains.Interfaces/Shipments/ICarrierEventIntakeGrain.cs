using System.Collections.Immutable;

namespace ShipmentGrid.Shipments;

/// <summary>
/// The durable ingestion queue for carrier events sent to be applied later: an event is acknowledged once it
/// is committed to the journal, and its partition's reader applies it to the shipment exactly once.
/// </summary>
[Alias("sg.ICarrierEventIntakeGrain")]
public interface ICarrierEventIntakeGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Commits the events (grouped by shipment) to the journal; returns once they are durable. Events with a text over
    /// its bound (<c>ShipmentValidation.ValidateLengths</c>) are refused with an <see cref="ArgumentException"/>, none queued.
    /// </summary>
    [Alias("Enqueue")]
    Task Enqueue(ImmutableArray<CarrierEvent> carrierEvents);
}
