using System.Collections.Immutable;

namespace ShipmentGrid.Shipments;

/// <summary>
/// Carries what happened to one shipment (same key) to the parts of the business it touches. Its journal
/// partition's reader hands it the shipment's committed events in order, at least once.
/// </summary>
[Alias("sg.IShipmentFollowUpGrain")]
public interface IShipmentFollowUpGrain : IGrainWithStringKey
{
    /// <summary>Follows up committed events of the shipment; every effect is idempotent by the event id.</summary>
    [Alias("Follow")]
    Task Follow(ImmutableArray<IShipmentEvent> events);
}
