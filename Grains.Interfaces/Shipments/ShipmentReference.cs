namespace ShipmentGrid.Shipments;

/// <summary>The references a shipment is found by besides its id: the carrier's PRO, the bill of lading, the purchase order.</summary>
[GenerateSerializer, Alias("sg.shipment-reference-kind.v1")]
public enum ShipmentReferenceKind
{
    ProNumber = 0,
    BillOfLading = 1,
    PurchaseOrder = 2,
}

/// <summary>A shipment named by one of its references rather than its id (an EDI status naming only the PRO, say).</summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-reference.v1")]
public sealed record ShipmentReference(
    [Id(0)] ShipmentReferenceKind Kind,
    [Id(1)] string Value);

/// <summary>A booked shipment a reference names: its carrier and customer say who may see it.</summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-match.v1")]
public sealed record ShipmentMatch(
    [Id(0)] string ShipmentId,
    [Id(1)] string CarrierId,
    [Id(2)] string CustomerId,
    [Id(3)] DateTimeOffset BookedAt);
