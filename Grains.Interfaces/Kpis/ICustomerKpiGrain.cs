namespace ShipmentGrid.Kpis;

/// <summary>
/// A customer's cash KPIs, keyed by customer id: pickup and proof of delivery from the shipments' event
/// streams, the posting time from the invoice. Kept per shipment, so a redelivered fact changes nothing.
/// </summary>
[Alias("sg.ICustomerKpiGrain")]
public interface ICustomerKpiGrain : IGrainWithStringKey
{
    [Alias("RecordPickup")]
    Task RecordPickup(string shipmentId, DateTimeOffset pickedUpAt);

    [Alias("RecordProofOfDelivery")]
    Task RecordProofOfDelivery(string shipmentId, DateTimeOffset deliveredAt);

    [Alias("RecordInvoicePosted")]
    Task RecordInvoicePosted(string shipmentId, DateTimeOffset postedAt);

    [Alias("GetCashKpis")]
    Task<CustomerCashKpis> GetCashKpis();
}
