using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// One write to the read models. Journal readers derive these from committed events (the read-model projection)
/// and commit them in the same transaction as their checkpoint, so each is applied once per event; the few written
/// directly (dead letters, duplicates, a person resolving an item) go through <see cref="IReadModels.ApplyAsync"/>.
/// Every change is idempotent where it lands, so applying one twice changes nothing twice.
/// </summary>
public abstract record ReadModelChange;

/// <summary>
/// Opens an exception item. Nothing changes while an item of the same id is open, or when a resolved one is told
/// the same cause again; a new cause reopens it with the new reason.
/// </summary>
public sealed record OpenExceptionItem(ExceptionItem Item) : ReadModelChange;

/// <summary>Resolves an open item; a resolved or unknown item is left as it is.</summary>
public sealed record ResolveExceptionItem(string ExceptionId, string Resolution, DateTimeOffset ResolvedAt) : ReadModelChange;

/// <summary>
/// Opens a service case, or adds the entry to the case of the same id. An entry is added once per
/// <see cref="ServiceCaseEntry.SourceEventId"/>; a new entry on a resolved case opens it again.
/// </summary>
public sealed record OpenServiceCase(string CaseId, string CustomerId, string? ShipmentId, ServiceCaseReason Reason, ServiceCaseEntry Entry)
    : ReadModelChange;

/// <summary>Resolves a case with a closing entry (once per source event); an unknown case is left alone.</summary>
public sealed record ResolveServiceCase(string CaseId, ServiceCaseEntry Entry) : ReadModelChange;

/// <summary>
/// Queues a CRM notification in the outbox once per notification id, with the trace context of the span that queued it
/// (where the outbox keeps it) so the webhook deliveries continue that trace.
/// </summary>
public sealed record QueueNotification(CrmNotification Notification, string? TraceParent = null) : ReadModelChange;

/// <summary>Adds a booked shipment to its customer's list; the same shipment again changes nothing.</summary>
/// <summary>
/// Indexes a booked shipment under its references (PRO, bill of lading, purchase order), so a carrier's status naming
/// only a PRO finds it. Written by the booking itself (no reader lag) and again by the projection; per reference and
/// carrier the latest booking wins.
/// </summary>
public sealed record IndexShipmentReferences(ShipmentBooking Booking, DateTimeOffset BookedAt) : ReadModelChange;

public sealed record TrackCustomerShipment(string CustomerId, string ShipmentId, string CarrierId, DateTimeOffset BookedAt) : ReadModelChange;

/// <summary>
/// Moves a listed shipment on. Status and billing status only move up (they are ordered), the invoice number is
/// set once, the invoice status takes the latest invoice event's value; a null leaves that field as it is.
/// </summary>
public sealed record AdvanceCustomerShipment(
    string ShipmentId,
    ShipmentStatus? Status,
    BillingStatus? BillingStatus,
    string? InvoiceNumber,
    InvoiceStatus? InvoiceStatus,
    DateTimeOffset At) : ReadModelChange;

/// <summary>Adds <paramref name="Count"/> to a counter of the subject in the time bucket of <paramref name="At"/>.</summary>
public sealed record CountKpi(KpiSubject Subject, string Metric, DateTimeOffset At, long Count) : ReadModelChange;

/// <summary>Adds one duration to a histogram of the subject in the time bucket of <paramref name="At"/>.</summary>
public sealed record ObserveKpi(KpiSubject Subject, string Metric, DateTimeOffset At, TimeSpan Value) : ReadModelChange;

/// <summary>
/// Keeps a carrier event the grid could not apply, with the reason. The same event id again refreshes the reason and
/// opens the letter again. The first time an event id is kept it counts once in the carrier's
/// <see cref="KpiMetrics.DeadLetters"/>.
/// </summary>
public sealed record KeepDeadLetter(
    CarrierEvent CarrierEvent, string Reason, DateTimeOffset At, RejectionCode ReasonCode = RejectionCode.None, ShipmentReference? Reference = null) : ReadModelChange;

/// <summary>Counts one replay attempt of a dead letter.</summary>
public sealed record CountDeadLetterReplay(string CarrierId, string EventId) : ReadModelChange;

/// <summary>Marks a dead letter replayed (its shipment took it).</summary>
public sealed record MarkDeadLetterReplayed(string CarrierId, string EventId, DateTimeOffset At) : ReadModelChange;

/// <summary>Sets an open dead letter aside for good, with the reason (a replayed or discarded one stays as it is).</summary>
public sealed record DiscardDeadLetter(string CarrierId, string EventId, string Reason, DateTimeOffset At) : ReadModelChange;
