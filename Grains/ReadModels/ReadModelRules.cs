using ShipmentGrid.CustomerService;

namespace ShipmentGrid.ReadModels;

/// <summary>The rules of the changes that both stores apply the same way (the PostgreSQL statements state them in SQL).</summary>
public static class ReadModelRules
{
    /// <summary>
    /// Timeline entries a case keeps, the newest; older ones are dropped so a case that is told about forever stays
    /// small. An entry is recognised as already added only while it is among them.
    /// </summary>
    public const int MaxTimelineEntries = 100;

    /// <summary>Rows a purge removes per statement, so retention never holds long locks or a large transaction.</summary>
    public const int PurgeBatchSize = 1_000;

    /// <summary>
    /// The listed shipment moved on by <paramref name="change"/>: status and billing status only move up, the invoice
    /// number is set once, the invoice status takes the latest value; nulls leave a field as it is.
    /// </summary>
    public static CustomerShipment Advance(CustomerShipment shipment, AdvanceCustomerShipment change)
    {
        ArgumentNullException.ThrowIfNull(shipment);
        ArgumentNullException.ThrowIfNull(change);
        return shipment with
        {
            Status = change.Status is { } status && status > shipment.Status ? status : shipment.Status,
            BillingStatus = change.BillingStatus is { } billing && billing > shipment.BillingStatus ? billing : shipment.BillingStatus,
            InvoiceNumber = shipment.InvoiceNumber ?? change.InvoiceNumber,
            InvoiceStatus = change.InvoiceStatus ?? shipment.InvoiceStatus,
            UpdatedAt = change.At > shipment.UpdatedAt ? change.At : shipment.UpdatedAt,
        };
    }

    /// <summary>Two advances of one shipment as one with the same effect (applied in this order), so a page writes each shipment once.</summary>
    public static AdvanceCustomerShipment Then(AdvanceCustomerShipment first, AdvanceCustomerShipment then)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(then);
        return first with
        {
            Status = Max(first.Status, then.Status),
            BillingStatus = Max(first.BillingStatus, then.BillingStatus),
            InvoiceNumber = first.InvoiceNumber ?? then.InvoiceNumber,
            InvoiceStatus = then.InvoiceStatus ?? first.InvoiceStatus,
            At = then.At > first.At ? then.At : first.At,
        };
    }

    /// <summary>Whether the timeline already holds an entry of this source event (null is a source too).</summary>
    public static bool HasEntryFrom(ServiceCaseView serviceCase, ServiceCaseEntry entry)
    {
        ArgumentNullException.ThrowIfNull(serviceCase);
        ArgumentNullException.ThrowIfNull(entry);
        return serviceCase.Timeline.Any(step => string.Equals(step.SourceEventId, entry.SourceEventId, StringComparison.Ordinal));
    }

    private static T? Max<T>(T? left, T? right)
        where T : struct, Enum =>
        left is { } l && right is { } r ? (Comparer<T>.Default.Compare(l, r) >= 0 ? l : r) : left ?? right;
}
