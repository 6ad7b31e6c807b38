using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Shipments;

/// <summary>
/// Something that happened to a shipment: recorded in its history (state is the fold of these) and
/// published to subscribers. <see cref="EventId"/> is derived from the shipment and the fact it records,
/// so a retried publication carries the same id and subscribers can deduplicate.
/// </summary>
public interface IShipmentEvent
{
    string EventId { get; }

    string ShipmentId { get; }

    DateTimeOffset OccurredAt { get; }
}

[GenerateSerializer, Immutable, Alias("sg.shipment-booked.v1")]
public sealed record ShipmentBooked(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] ShipmentBooking Booking,
    [Id(4)] string BillingCurrency) : IShipmentEvent;

[GenerateSerializer, Immutable, Alias("sg.milestone-recorded.v1")]
public sealed record MilestoneRecorded(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] CarrierEvent CarrierEvent) : IShipmentEvent;

/// <summary>
/// Raised once, when the shipment first reaches Delivered (directly, or implied by proof of delivery). Names the
/// carrier and the planned delivery so the carrier's scorecard needs nothing else (null in events journaled before
/// they were added).
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.shipment-delivered.v1")]
public sealed record ShipmentDelivered(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId,
    [Id(4)] bool ImpliedByProofOfDelivery,
    [Id(5)] string? CarrierId = null,
    [Id(6)] DateTimeOffset? PlannedDelivery = null) : IShipmentEvent;

[GenerateSerializer, Immutable, Alias("sg.proof-of-delivery-received.v1")]
public sealed record ProofOfDeliveryReceived(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId) : IShipmentEvent;

[GenerateSerializer, Immutable, Alias("sg.shipment-exception-opened.v1")]
public sealed record ShipmentExceptionOpened(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId,
    [Id(4)] string ExceptionId,
    [Id(5)] CarrierEvent CarrierEvent) : IShipmentEvent;

[GenerateSerializer, Immutable, Alias("sg.shipment-exception-resolved.v1")]
public sealed record ShipmentExceptionResolved(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId,
    [Id(4)] string ExceptionId,
    [Id(5)] string Resolution) : IShipmentEvent;

[GenerateSerializer, Immutable, Alias("sg.charge-recorded.v1")]
public sealed record ChargeRecorded(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] Charge Charge) : IShipmentEvent;

/// <summary>
/// A charge recorded in error is taken off the shipment (never edited in place); its id stays used. Before the invoice
/// decision it simply stops counting for readiness; after it, an <see cref="AdjustmentRaised"/> credits it.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.charge-voided.v1")]
public sealed record ChargeVoided(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string ChargeId,
    [Id(4)] string Reason) : IShipmentEvent;

/// <summary>
/// Charges changed after the shipment's invoice decision: the supplementary invoice (a positive total) or credit note
/// (a negative one) for the difference, numbered from the original (<c>INV-{shipment}~A{sequence}</c>). Its lines
/// bill a late charge (positive) or credit a voided one (negative). Raised once per change; the invoice grain of the
/// number takes it through the credit check and the ERP like any invoice.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.adjustment-raised.v1")]
public sealed record AdjustmentRaised(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId,
    [Id(4)] string InvoiceNumber,
    [Id(5)] string OriginalInvoiceNumber,
    [Id(6)] int Sequence,
    [Id(7)] InvoiceKind Kind,
    [Id(8)] ImmutableArray<InvoiceLine> Lines,
    [Id(9)] Money Total,
    [Id(10)] string Reason) : IShipmentEvent;

/// <summary>
/// Proof of delivery is in but charges are missing or wrong: billing queues an exception for operations
/// and finance. Raised when proof of delivery arrives to an incomplete shipment.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.billing-incomplete.v1")]
public sealed record BillingIncomplete(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId,
    [Id(4)] ImmutableArray<BillingProblem> Problems) : IShipmentEvent;

/// <summary>
/// Proof of delivery and every required charge are in: the one invoice decision of the shipment.
/// Raised exactly once per shipment; carries what the invoice is built from, and the pickup and proof-of-delivery
/// times (from the timeline) that the posted invoice reports for the cash KPIs.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.billing-ready.v1")]
public sealed record BillingReady(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string CustomerId,
    [Id(4)] string Currency,
    [Id(5)] ImmutableArray<Charge> Charges,
    [Id(6)] DateTimeOffset? PickedUpAt = null,
    [Id(7)] DateTimeOffset? ProofOfDeliveryAt = null) : IShipmentEvent;

[GenerateSerializer, Immutable, Alias("sg.shipment-invoiced.v1")]
public sealed record ShipmentInvoiced(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string InvoiceNumber) : IShipmentEvent;
