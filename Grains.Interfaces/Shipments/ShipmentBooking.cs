namespace ShipmentGrid.Shipments;

/// <summary>Shipment references as the shipper and carrier know them (PRO number, bill of lading, PO).</summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-references.v1")]
public sealed record ShipmentReferences(
    [Id(0)] string? ProNumber,
    [Id(1)] string? BillOfLading,
    [Id(2)] string? PurchaseOrder);

/// <summary>Services booked on top of plain transport; some of them require a charge before invoicing.</summary>
[GenerateSerializer, Immutable, Alias("sg.service-flags.v1")]
public sealed record ServiceFlags([Id(0)] bool SpecialHandling);

/// <summary>The booking of a shipment; <see cref="ShipmentId"/> is the caller's id and the shipment's key.</summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-booking.v1")]
public sealed record ShipmentBooking(
    [Id(0)] string ShipmentId,
    [Id(1)] string CustomerId,
    [Id(2)] string CarrierId,
    [Id(3)] Location Origin,
    [Id(4)] Location Destination,
    [Id(5)] ShipmentReferences References,
    [Id(6)] DateTimeOffset? PlannedPickup,
    [Id(7)] DateTimeOffset? PlannedDelivery,
    [Id(8)] ServiceFlags ServiceFlags);
