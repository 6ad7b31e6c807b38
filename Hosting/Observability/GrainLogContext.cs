using Serilog.Context;
using Serilog.Core.Enrichers;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Hosting.Observability;

/// <summary>
/// Every log event written during a call to a shipment, invoice, customer or carrier grain carries that grain's business
/// key (<see cref="ShipmentProperty"/>, <see cref="InvoiceProperty"/>, <see cref="CustomerProperty"/>,
/// <see cref="PartnerProperty"/>), so a warning from deep in a call, the journal's or the database's, says which
/// shipment it was about. The first filter of the silo, so the others' events carry the keys too.
/// </summary>
public sealed class GrainLogContext : IIncomingGrainCallFilter
{
    public const string ShipmentProperty = "ShipmentId";
    public const string InvoiceProperty = "InvoiceNumber";
    public const string CustomerProperty = "CustomerId";
    public const string PartnerProperty = "Partner";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using (Push(context.Grain))
        {
            await context.Invoke();
        }
    }

    private static IDisposable? Push(object grain) => grain switch
    {
        IShipmentGrain or IShipmentFollowUpGrain => LogContext.PushProperty(ShipmentProperty, ((IAddressable)grain).GetPrimaryKeyString()),
        IInvoiceGrain invoice => PushInvoice(InvoiceNumbering.Prefix + invoice.GetPrimaryKeyString()),
        ICustomerGrain customer => LogContext.PushProperty(CustomerProperty, customer.GetPrimaryKeyString()),
        ICarrierGrain carrier => LogContext.PushProperty(PartnerProperty, carrier.GetPrimaryKeyString()),
        _ => null,
    };

    /// <summary>An invoice grain's key is its shipment (the original) or the adjustment's number without the prefix.</summary>
    private static IDisposable PushInvoice(string invoiceNumber) =>
        LogContext.Push(
            new PropertyEnricher(InvoiceProperty, invoiceNumber),
            new PropertyEnricher(ShipmentProperty, InvoiceNumbering.ShipmentIdOf(invoiceNumber)));
}
