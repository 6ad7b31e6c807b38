using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// What each committed journal event means for the read models: the exception queues, service cases, CRM
/// notifications, customers' shipment lists and KPIs. A pure function of the event, so a partition's reader applies
/// the result with its checkpoint and every event counts exactly once, however often the reader re-reads a page.
/// </summary>
public static class ReadModelProjection
{
    public const string ChargesArrived = "All required charges arrived.";

    public static IEnumerable<ReadModelChange> Project(object journalEvent) => journalEvent switch
    {
        IShipmentEvent shipmentEvent => Shipment(shipmentEvent),
        IInvoiceEvent invoiceEvent => Invoice(invoiceEvent),
        _ => [],
    };

    /// <summary>A delivery exception's case; one per exception of a shipment.</summary>
    public static string DeliveryCaseId(string shipmentId, string exceptionId) => $"CASE-{shipmentId}-{exceptionId}";

    /// <summary>The credit-hold case of an invoice.</summary>
    public static string CreditCaseId(string invoiceNumber) => $"CASE-{invoiceNumber}-credit";

    /// <summary>The billing-problem case of a shipment (billing incomplete for long, a currency mismatch).</summary>
    public static string BillingCaseId(string shipmentId) => $"CASE-{shipmentId}-billing";

    public static string DeliveryExceptionSubject(string shipmentId, string exceptionId) => $"shipment/{shipmentId}/exception/{exceptionId}";

    public static string InvoiceSubject(string invoiceNumber) => $"invoice/{invoiceNumber}";

    private static IEnumerable<ReadModelChange> Shipment(IShipmentEvent shipmentEvent)
    {
        switch (shipmentEvent)
        {
            case ShipmentBooked booked:
                yield return new TrackCustomerShipment(booked.Booking.CustomerId, booked.ShipmentId, booked.Booking.CarrierId, booked.OccurredAt);
                yield return new IndexShipmentReferences(booked.Booking, booked.OccurredAt);
                yield return new CountKpi(KpiSubject.Carrier(booked.Booking.CarrierId), KpiMetrics.Bookings, booked.OccurredAt, 1);
                break;
            case MilestoneRecorded { CarrierEvent.Milestone: { } milestone } recorded:
                yield return new AdvanceCustomerShipment(recorded.ShipmentId, (ShipmentStatus)milestone, null, null, null, recorded.OccurredAt);
                break;
            case ShipmentDelivered delivered:
                yield return new QueueNotification(new CrmNotification(
                    delivered.EventId, delivered.CustomerId, CrmNotificationKind.DeliveryConfirmed, $"shipment/{delivered.ShipmentId}",
                    $"Shipment {delivered.ShipmentId} was delivered.", delivered.OccurredAt));
                foreach (var change in Delivery(delivered))
                {
                    yield return change;
                }

                break;
            case ShipmentExceptionOpened opened:
                foreach (var change in ExceptionOpened(opened))
                {
                    yield return change;
                }

                break;
            case ShipmentExceptionResolved resolved:
                yield return new ResolveExceptionItem(
                    ExceptionRouting.ExceptionIdOf(ExceptionQueue.DeliveryException, DeliveryExceptionSubject(resolved.ShipmentId, resolved.ExceptionId)),
                    resolved.Resolution,
                    resolved.OccurredAt);
                yield return new ResolveServiceCase(
                    DeliveryCaseId(resolved.ShipmentId, resolved.ExceptionId), new ServiceCaseEntry(resolved.OccurredAt, resolved.Resolution, resolved.EventId));
                yield return new QueueNotification(new CrmNotification(
                    resolved.EventId, resolved.CustomerId, CrmNotificationKind.ExceptionResolved, $"shipment/{resolved.ShipmentId}",
                    resolved.Resolution, resolved.OccurredAt));
                break;
            case BillingIncomplete incomplete:
                foreach (var change in BillingGap(incomplete))
                {
                    yield return change;
                }

                break;
            case BillingReady ready:
                yield return new ResolveExceptionItem(
                    ExceptionRouting.ExceptionIdOf(ExceptionQueue.BillingIncomplete, $"shipment/{ready.ShipmentId}"), ChargesArrived, ready.OccurredAt);
                yield return new ResolveServiceCase(BillingCaseId(ready.ShipmentId), new ServiceCaseEntry(ready.OccurredAt, ChargesArrived, ready.EventId));
                yield return new AdvanceCustomerShipment(ready.ShipmentId, null, BillingStatus.ReadyToInvoice, null, null, ready.OccurredAt);
                break;
            case ShipmentInvoiced invoiced:
                yield return new AdvanceCustomerShipment(invoiced.ShipmentId, null, BillingStatus.Invoiced, invoiced.InvoiceNumber, null, invoiced.OccurredAt);
                break;
        }
    }

    /// <summary>The carrier's scorecard counts a delivery once and, when the booking planned one, how late it came.</summary>
    private static IEnumerable<ReadModelChange> Delivery(ShipmentDelivered delivered)
    {
        if (delivered.CarrierId is not { } carrierId)
        {
            yield break;
        }

        var carrier = KpiSubject.Carrier(carrierId);
        yield return new CountKpi(carrier, KpiMetrics.Deliveries, delivered.OccurredAt, 1);
        if (delivered.PlannedDelivery is { } planned)
        {
            yield return new ObserveKpi(carrier, KpiMetrics.Lateness, delivered.OccurredAt, delivered.OccurredAt - planned);
        }
    }

    private static IEnumerable<ReadModelChange> ExceptionOpened(ShipmentExceptionOpened opened)
    {
        var carrierEvent = opened.CarrierEvent;
        var text = $"{carrierEvent.DeliveryException} reported by {carrierEvent.CarrierId}"
            + (carrierEvent.ReasonCode is null ? "." : $" (reason {carrierEvent.ReasonCode}).")
            + (carrierEvent.Notes is null ? string.Empty : $" {carrierEvent.Notes}");
        var subject = DeliveryExceptionSubject(opened.ShipmentId, opened.ExceptionId);
        yield return new OpenExceptionItem(
            ExceptionRouting.Open(ExceptionQueue.DeliveryException, subject, text, opened.OccurredAt, opened.EventId) with { CustomerId = opened.CustomerId });
        yield return new CountKpi(KpiSubject.Carrier(carrierEvent.CarrierId), KpiMetrics.Exceptions, opened.OccurredAt, 1);
        yield return new OpenServiceCase(
            DeliveryCaseId(opened.ShipmentId, opened.ExceptionId),
            opened.CustomerId,
            opened.ShipmentId,
            ServiceCaseReason.DeliveryException,
            new ServiceCaseEntry(opened.OccurredAt, text, opened.EventId));
        yield return new QueueNotification(new CrmNotification(
            opened.EventId, opened.CustomerId, CrmNotificationKind.ExceptionOpened, $"shipment/{opened.ShipmentId}", text, opened.OccurredAt));
    }

    /// <summary>DOMAIN step 4: operations and finance get the gap; a currency mismatch touches the customer, so it opens a case at once.</summary>
    private static IEnumerable<ReadModelChange> BillingGap(BillingIncomplete incomplete)
    {
        yield return new OpenExceptionItem(ExceptionRouting.Open(incomplete) with { CustomerId = incomplete.CustomerId });
        yield return new AdvanceCustomerShipment(incomplete.ShipmentId, null, BillingStatus.AwaitingCharges, null, null, incomplete.OccurredAt);
        var mismatches = incomplete.Problems.Where(problem => problem.Kind == BillingProblemKind.CurrencyMismatch).ToList();
        if (mismatches.Count > 0)
        {
            yield return new OpenServiceCase(
                BillingCaseId(incomplete.ShipmentId),
                incomplete.CustomerId,
                incomplete.ShipmentId,
                ServiceCaseReason.BillingProblem,
                new ServiceCaseEntry(incomplete.OccurredAt, string.Join(" ", mismatches.Select(problem => problem.Detail)), incomplete.EventId));
        }
    }

    /// <summary>
    /// An invoice's transitions: a hold opens a credit-hold item, a case and a notification; a release closes the item;
    /// posting closes the case, notifies, and measures the customer's cash cycle; repeated ERP failures open an item that
    /// the posting closes.
    /// </summary>
    private static IEnumerable<ReadModelChange> Invoice(IInvoiceEvent invoiceEvent)
    {
        var subject = InvoiceSubject(invoiceEvent.InvoiceNumber);
        var creditHoldId = ExceptionRouting.ExceptionIdOf(ExceptionQueue.CreditHold, subject);
        var at = invoiceEvent.OccurredAt;
        switch (invoiceEvent)
        {
            case InvoiceHeld held:
                yield return new OpenExceptionItem(
                    ExceptionRouting.Open(ExceptionQueue.CreditHold, subject, held.Reason, at, held.EventId) with { CustomerId = held.CustomerId });
                yield return new OpenServiceCase(
                    CreditCaseId(held.InvoiceNumber),
                    held.CustomerId,
                    held.ShipmentId,
                    ServiceCaseReason.CreditHold,
                    new ServiceCaseEntry(at, $"Invoice {held.InvoiceNumber} held: {held.Reason}", held.EventId));
                yield return new QueueNotification(new CrmNotification(held.EventId, held.CustomerId, CrmNotificationKind.InvoiceHeld, subject, held.Reason, at));
                if (!InvoiceNumbering.IsAdjustment(held.InvoiceNumber))
                {
                    yield return new AdvanceCustomerShipment(held.ShipmentId, null, null, held.InvoiceNumber, InvoiceStatus.OnHold, at);
                }

                break;
            case InvoiceReleased released:
                yield return new ResolveExceptionItem(creditHoldId, "Released: the customer's credit allows it.", at);
                if (!InvoiceNumbering.IsAdjustment(released.InvoiceNumber))
                {
                    yield return new AdvanceCustomerShipment(released.ShipmentId, null, null, released.InvoiceNumber, InvoiceStatus.Posting, at);
                }

                break;
            case InvoicePostingFailed failed:
                if (failed.ErpFailure is { } item)
                {
                    yield return new OpenExceptionItem(item with { CustomerId = failed.CustomerId });
                }

                if (!InvoiceNumbering.IsAdjustment(failed.InvoiceNumber))
                {
                    yield return new AdvanceCustomerShipment(failed.ShipmentId, null, null, failed.InvoiceNumber, InvoiceStatus.Failed, at);
                }

                break;
            case InvoicePosted posted:
                foreach (var change in Posted(posted, creditHoldId))
                {
                    yield return change;
                }

                break;
        }
    }

    private static IEnumerable<ReadModelChange> Posted(InvoicePosted posted, string creditHoldId)
    {
        var at = posted.OccurredAt;
        var text = $"Posted to the ERP as {posted.ErpDocumentNumber}.";
        yield return new ResolveExceptionItem(creditHoldId, text, at);
        if (posted.ResolvesErpFailure is { } erpFailure)
        {
            yield return new ResolveExceptionItem(erpFailure, $"Posted as {posted.ErpDocumentNumber} on a retry.", at);
        }

        yield return new ResolveServiceCase(CreditCaseId(posted.InvoiceNumber), new ServiceCaseEntry(at, text, posted.EventId));
        yield return new QueueNotification(new CrmNotification(
            posted.EventId, posted.CustomerId, CrmNotificationKind.InvoicePosted, InvoiceSubject(posted.InvoiceNumber), text, at));
        if (InvoiceNumbering.IsAdjustment(posted.InvoiceNumber))
        {
            // The customer's shipment list and the cash KPIs follow the shipment's one invoice, not its adjustments.
            yield break;
        }

        yield return new AdvanceCustomerShipment(posted.ShipmentId, null, null, posted.InvoiceNumber, InvoiceStatus.Posted, at);
        var customer = KpiSubject.Customer(posted.CustomerId);
        yield return new CountKpi(customer, KpiMetrics.InvoicesPosted, at, 1);
        if (posted.ProofOfDeliveryAt is { } delivered)
        {
            yield return new ObserveKpi(customer, KpiMetrics.InvoiceCycleTime, at, at - delivered);
        }

        if (posted.PickedUpAt is { } pickedUp)
        {
            yield return new ObserveKpi(customer, KpiMetrics.ShipmentToCash, at, at - pickedUp);
        }
    }
}
