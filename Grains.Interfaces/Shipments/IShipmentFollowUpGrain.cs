namespace ShipmentGrid.Shipments;

/// <summary>The subscriber of a shipment's event stream; it has no calls of its own.</summary>
[Alias("sg.IShipmentFollowUpGrain")]
public interface IShipmentFollowUpGrain : IGrainWithStringKey;
