using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Shipments;

/// <summary>
/// Follows one shipment (same key as the shipment) for what needs a grain rather than a read-model row: the one
/// invoice of the shipment (DOMAIN step 4) and its adjustments. The shipment's journal partition reader calls it, at least once per event
/// and in commit order; queue items, cases, notifications, the customer's list and KPIs are the reader's read-model
/// writes. Holds no state: the invoice opens once per shipment and the shipment records its number once; an adjustment
/// opens once per number. It deactivates after each call: a shipment is billed once, so keeping the activation for the
/// collection age only held memory (a third of a busy silo's activations in the million-shipment run).
/// </summary>
public sealed class ShipmentFollowUpGrain : Grain, IShipmentFollowUpGrain
{
    public async Task Follow(ImmutableArray<IShipmentEvent> events)
    {
        foreach (var recorded in events)
        {
            switch (recorded)
            {
                case BillingReady ready:
                    var invoice = await GrainFactory.GetGrain<IInvoiceGrain>(ready.ShipmentId).Open(ready);
                    await GrainFactory.GetGrain<IShipmentGrain>(ready.ShipmentId).RecordInvoice(invoice.InvoiceNumber);
                    break;
                case AdjustmentRaised adjustment when InvoiceNumbering.GrainKeyOf(adjustment.InvoiceNumber) is { } key:
                    await GrainFactory.GetGrain<IInvoiceGrain>(key).OpenAdjustment(adjustment);
                    break;
            }
        }

        DeactivateOnIdle();
    }
}
