using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

/// <summary>
/// Compares two shipment views by business content. Version is left out: it counts recorded events, and
/// announcements such as BillingIncomplete depend on arrival order without changing the shipment.
/// </summary>
internal sealed class ShipmentViewComparer : IEqualityComparer<ShipmentView>
{
    public static ShipmentViewComparer Instance { get; } = new();

    public bool Equals(ShipmentView? x, ShipmentView? y) =>
        ReferenceEquals(x, y)
        || (x is not null && y is not null
            && x.Booking == y.Booking
            && x.Status == y.Status
            && x.Timeline.SequenceEqual(y.Timeline)
            && x.Charges.SequenceEqual(y.Charges)
            && x.BillingStatus == y.BillingStatus
            && x.BillingProblems.SequenceEqual(y.BillingProblems)
            && x.OpenExceptions.SequenceEqual(y.OpenExceptions)
            && x.InvoiceNumber == y.InvoiceNumber
            && x.DeliveredAt == y.DeliveredAt);

    public int GetHashCode(ShipmentView obj) => HashCode.Combine(obj.Booking, obj.Status, obj.Timeline.Length, obj.Charges.Length);
}
