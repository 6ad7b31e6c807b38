using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Shipments;

/// <summary>
/// A shipment as the fold of its history (<see cref="ShipmentHistory.Apply"/>). Every member is
/// order-independent (maximum status, sorted timeline, charges and exceptions keyed by id), so the same
/// set of facts gives the same state however they arrived; only <see cref="Version"/> counts the history.
/// <see cref="Charges"/> are the live charges; a voided one moves to <see cref="VoidedCharges"/>, its id still taken.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-state.v1")]
public sealed record ShipmentState(
    [Id(0)] ShipmentBooking? Booking,
    [Id(1)] string? BillingCurrency,
    [Id(2)] ShipmentStatus Status,
    [Id(3)] ImmutableArray<CarrierEvent> Timeline,
    [Id(4)] ImmutableSortedDictionary<string, Charge> Charges,
    [Id(5)] ImmutableSortedDictionary<string, DeliveryExceptionEntry> Exceptions,
    [Id(6)] bool BillingReadyRaised,
    [Id(7)] string? InvoiceNumber,
    [Id(8)] int Version,
    [Id(9)] ImmutableSortedDictionary<string, VoidedCharge> VoidedCharges,
    [Id(10)] ImmutableArray<string> AdjustmentNumbers)
{
    public static ShipmentState Empty { get; } = new(
        Booking: null,
        BillingCurrency: null,
        Status: ShipmentStatus.Booked,
        Timeline: [],
        Charges: ImmutableSortedDictionary.Create<string, Charge>(StringComparer.Ordinal),
        Exceptions: ImmutableSortedDictionary.Create<string, DeliveryExceptionEntry>(StringComparer.Ordinal),
        BillingReadyRaised: false,
        InvoiceNumber: null,
        Version: 0,
        VoidedCharges: ImmutableSortedDictionary.Create<string, VoidedCharge>(StringComparer.Ordinal),
        AdjustmentNumbers: []);

    public bool IsBooked => Booking is not null;

    public bool IsDelivered => Status >= ShipmentStatus.Delivered;

    public bool ProofOfDeliveryReceived => Status == ShipmentStatus.ProofOfDelivery;

    public bool DetentionReported => Timeline.Any(entry => entry.DetentionReported);

    /// <summary>Earliest reported delivery (a proof of delivery implies one), from the timeline, not arrival order.</summary>
    public DateTimeOffset? DeliveredAt =>
        Timeline.Where(entry => entry.Milestone >= MilestoneType.Delivered)
            .Select(entry => (DateTimeOffset?)entry.OccurredAt)
            .FirstOrDefault();

    /// <summary>The charge id is taken, by a live or a voided charge.</summary>
    public bool HasChargeId(string chargeId) => Charges.ContainsKey(chargeId) || VoidedCharges.ContainsKey(chargeId);

    public bool HasRecorded(string carrierId, string eventId) =>
        Timeline.Any(entry => entry.CarrierId == carrierId && entry.EventId == eventId);
}
