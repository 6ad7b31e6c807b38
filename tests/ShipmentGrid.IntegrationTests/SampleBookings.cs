using ShipmentGrid.Customers;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests;

internal static class SampleBookings
{
    public static CustomerRegistration Customer(string customerId = "CUST-1") =>
        new(customerId, "Acme Industrial", "USD", CreditLimit: 10_000m, PaymentTermsDays: 30);

    public static ShipmentBooking Booking(string shipmentId, string customerId = "CUST-1", string carrierId = "CARR-1") => new(
        shipmentId,
        customerId,
        carrierId,
        new Location("Chicago", "IL", "US", "60601"),
        new Location("Dallas", "TX", "US", "75201"),
        new ShipmentReferences("PRO-" + shipmentId, "BOL-" + shipmentId, null),
        new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.FromHours(-6)),
        new DateTimeOffset(2026, 12, 2, 17, 0, 0, TimeSpan.FromHours(-6)),
        new ServiceFlags(SpecialHandling: false));
}
