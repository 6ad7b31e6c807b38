namespace ShipmentGrid.Shipments;

/// <summary>One shipment, keyed by the caller's shipment id: its history, status, charges and billing state.</summary>
[Alias("sg.IShipmentGrain")]
public interface IShipmentGrain : IGrainWithStringKey
{
    /// <summary>Books the shipment; booking it again with the same details is a duplicate, with others a rejection.</summary>
    [Alias("Book")]
    Task<CommandResult> Book(ShipmentBooking booking);

    /// <summary>The shipment as recorded, or null when it was never booked.</summary>
    [Alias("Get")]
    Task<ShipmentView?> Get();
}
