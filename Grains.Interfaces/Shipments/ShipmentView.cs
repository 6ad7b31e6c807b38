using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Shipments;

/// <summary>
/// A delivery exception on a shipment. It stays open until someone resolves it: a later normal milestone
/// does not erase it. <see cref="ExceptionId"/> is "{carrierId}:{eventId}" of the reporting event.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.delivery-exception-entry.v1")]
public sealed record DeliveryExceptionEntry(
    [Id(0)] string ExceptionId,
    [Id(1)] ExceptionKind Kind,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string? ReasonCode,
    [Id(4)] string? Notes,
    [Id(5)] string? Resolution,
    [Id(6)] DateTimeOffset? ResolvedAt)
{
    public bool IsOpen => Resolution is null;
}

/// <summary>A charge taken off the shipment, with why and when.</summary>
[GenerateSerializer, Immutable, Alias("sg.voided-charge.v1")]
public sealed record VoidedCharge(
    [Id(0)] Charge Charge,
    [Id(1)] string Reason,
    [Id(2)] DateTimeOffset VoidedAt);

/// <summary>
/// Read model of a shipment. The timeline is sorted by occurred-at, then carrier and event id. <see cref="Charges"/> are
/// the live ones; <see cref="AdjustmentNumbers"/> the supplementary invoices and credit notes after the invoice, in order.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-view.v1")]
public sealed record ShipmentView(
    [Id(0)] ShipmentBooking Booking,
    [Id(1)] ShipmentStatus Status,
    [Id(2)] ImmutableArray<CarrierEvent> Timeline,
    [Id(3)] ImmutableArray<Charge> Charges,
    [Id(4)] BillingStatus BillingStatus,
    [Id(5)] ImmutableArray<BillingProblem> BillingProblems,
    [Id(6)] ImmutableArray<DeliveryExceptionEntry> OpenExceptions,
    [Id(7)] string? InvoiceNumber,
    [Id(8)] DateTimeOffset? DeliveredAt,
    [Id(9)] int Version,
    [Id(10)] ImmutableArray<VoidedCharge> VoidedCharges,
    [Id(11)] ImmutableArray<string> AdjustmentNumbers);
