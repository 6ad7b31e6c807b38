using ShipmentGrid.Operations;

namespace ShipmentGrid.Billing;

/// <summary>
/// A transition of one shipment's invoice, journaled on the stream <c>invoice/{shipmentId}</c> in the same commit as
/// the invoice's state. Journal readers derive the credit-hold and ERP-failure items, the service case, the CRM
/// notifications and the customer's cash KPIs from these. <see cref="EventId"/> names the transition, so a
/// repeated delivery is recognised.
/// </summary>
public interface IInvoiceEvent
{
    string EventId { get; }

    string ShipmentId { get; }

    string InvoiceNumber { get; }

    string CustomerId { get; }

    DateTimeOffset OccurredAt { get; }
}

/// <summary>The credit check refused the invoice: it waits, held, for the customer's credit.</summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-held.v1")]
public sealed record InvoiceHeld(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] string InvoiceNumber,
    [Id(3)] string CustomerId,
    [Id(4)] DateTimeOffset OccurredAt,
    [Id(5)] string Reason) : IInvoiceEvent;

/// <summary>A held invoice was released (credit freed up, or the hold was lifted) and goes on to posting.</summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-released.v1")]
public sealed record InvoiceReleased(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] string InvoiceNumber,
    [Id(3)] string CustomerId,
    [Id(4)] DateTimeOffset OccurredAt) : IInvoiceEvent;

/// <summary>
/// An ERP posting attempt failed. <see cref="ErpFailure"/> is the erp-failure item to open once failures repeat
/// (null before that).
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-posting-failed.v1")]
public sealed record InvoicePostingFailed(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] string InvoiceNumber,
    [Id(3)] string CustomerId,
    [Id(4)] DateTimeOffset OccurredAt,
    [Id(5)] int Attempt,
    [Id(6)] string Failure,
    [Id(7)] DateTimeOffset NextAttemptAt,
    [Id(8)] ExceptionItem? ErpFailure) : IInvoiceEvent;

/// <summary>
/// The ERP posted the invoice (<see cref="IInvoiceEvent.OccurredAt"/> is the ERP's posting time). Carries the
/// shipment's pickup and proof-of-delivery times so the customer's cash KPIs need nothing else;
/// <see cref="ResolvesErpFailure"/> is the id of the erp-failure item this posting closes, if one was opened.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.invoice-posted.v1")]
public sealed record InvoicePosted(
    [Id(0)] string EventId,
    [Id(1)] string ShipmentId,
    [Id(2)] string InvoiceNumber,
    [Id(3)] string CustomerId,
    [Id(4)] DateTimeOffset OccurredAt,
    [Id(5)] string ErpDocumentNumber,
    [Id(6)] Money Total,
    [Id(7)] DateTimeOffset? PickedUpAt,
    [Id(8)] DateTimeOffset? ProofOfDeliveryAt,
    [Id(9)] string? ResolvesErpFailure) : IInvoiceEvent;
