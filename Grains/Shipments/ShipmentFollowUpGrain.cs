using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Kpis;
using ShipmentGrid.Operations;

namespace ShipmentGrid.Shipments;

/// <summary>
/// Follows one shipment (same key as the shipment) and carries each committed fact to the parts of the
/// business it touches: operations and finance queues, customer service cases and the customer's list of
/// shipments, CRM notifications, the carrier's and the customer's KPIs. The shipment's journal partition reader
/// calls it, at least once per event and in commit order.
/// Holds no state: every target is idempotent by the event id, so a repeated event changes nothing twice.
/// </summary>
public sealed class ShipmentFollowUpGrain : Grain, IShipmentFollowUpGrain
{
    public async Task Follow(ImmutableArray<IShipmentEvent> events)
    {
        foreach (var shipmentEvent in events)
        {
            await FollowUpAsync(shipmentEvent);
        }
    }

    private Task FollowUpAsync(IShipmentEvent shipmentEvent) => shipmentEvent switch
    {
        ShipmentBooked booked => BookedAsync(booked),
        MilestoneRecorded recorded => MilestoneAsync(recorded),
        ProofOfDeliveryReceived proof => CustomerKpis(proof.CustomerId).RecordProofOfDelivery(proof.ShipmentId, proof.OccurredAt),
        ShipmentDelivered delivered => CustomerService(delivered.CustomerId).Notify(new CrmNotification(
            delivered.EventId, delivered.CustomerId, CrmNotificationKind.DeliveryConfirmed, $"shipment/{delivered.ShipmentId}",
            $"Shipment {delivered.ShipmentId} was delivered.", delivered.OccurredAt)),
        ShipmentExceptionOpened opened => ExceptionOpenedAsync(opened),
        ShipmentExceptionResolved resolved => ExceptionResolvedAsync(resolved),
        BillingIncomplete incomplete => Queue(ExceptionQueue.BillingIncomplete).Open(ExceptionRouting.Open(incomplete)),
        BillingReady ready => InvoiceAsync(ready),
        _ => Task.CompletedTask,
    };

    private async Task BookedAsync(ShipmentBooked booked)
    {
        await CustomerService(booked.Booking.CustomerId).TrackShipment(booked.ShipmentId);
        await PartnerKpis(booked.Booking.CarrierId).RecordBooking(booked.ShipmentId, booked.Booking.PlannedDelivery);
    }

    /// <summary>Deliveries score the carrier; a pickup starts the customer's shipment-to-cash clock.</summary>
    private async Task MilestoneAsync(MilestoneRecorded recorded)
    {
        var carrierEvent = recorded.CarrierEvent;
        if (carrierEvent.Milestone >= MilestoneType.Delivered)
        {
            await PartnerKpis(carrierEvent.CarrierId).RecordDelivery(recorded.ShipmentId, carrierEvent.OccurredAt);
        }
        else if (carrierEvent.Milestone == MilestoneType.PickedUp
            && await GrainFactory.GetGrain<IShipmentGrain>(recorded.ShipmentId).GetView() is { } shipment)
        {
            // A milestone does not name the customer; the shipment does (it only publishes, never waits on this grain).
            await CustomerKpis(shipment.Booking.CustomerId).RecordPickup(recorded.ShipmentId, carrierEvent.OccurredAt);
        }
    }

    /// <summary>DOMAIN step 4: the one invoice of the shipment; the billing gap it waited on, if any, is closed.</summary>
    private async Task InvoiceAsync(BillingReady ready)
    {
        await Queue(ExceptionQueue.BillingIncomplete).Resolve(
            ExceptionRouting.ExceptionIdOf(ExceptionQueue.BillingIncomplete, $"shipment/{ready.ShipmentId}"), "All required charges arrived.");
        var invoice = await GrainFactory.GetGrain<IInvoiceGrain>(ready.ShipmentId).Open(ready);
        await GrainFactory.GetGrain<IShipmentGrain>(ready.ShipmentId).RecordInvoice(invoice.InvoiceNumber);
    }

    private async Task ExceptionOpenedAsync(ShipmentExceptionOpened opened)
    {
        var carrierEvent = opened.CarrierEvent;
        var text = $"{carrierEvent.DeliveryException} reported by {carrierEvent.CarrierId}"
            + (carrierEvent.ReasonCode is null ? "." : $" (reason {carrierEvent.ReasonCode}).")
            + (carrierEvent.Notes is null ? string.Empty : $" {carrierEvent.Notes}");
        await Queue(ExceptionQueue.DeliveryException).Open(
            ExceptionRouting.Open(ExceptionQueue.DeliveryException, Subject(opened.ShipmentId, opened.ExceptionId), text, opened.OccurredAt, opened.EventId));
        await PartnerKpis(carrierEvent.CarrierId).RecordException(opened.ShipmentId, opened.ExceptionId);
        var service = CustomerService(opened.CustomerId);
        await service.OpenCase(
            CaseId(opened.ShipmentId, opened.ExceptionId),
            opened.ShipmentId,
            ServiceCaseReason.DeliveryException,
            new ServiceCaseEntry(opened.OccurredAt, text, opened.EventId));
        await service.Notify(new CrmNotification(
            opened.EventId, opened.CustomerId, CrmNotificationKind.ExceptionOpened, $"shipment/{opened.ShipmentId}", text, opened.OccurredAt));
    }

    private async Task ExceptionResolvedAsync(ShipmentExceptionResolved resolved)
    {
        await Queue(ExceptionQueue.DeliveryException).Resolve(
            ExceptionRouting.ExceptionIdOf(ExceptionQueue.DeliveryException, Subject(resolved.ShipmentId, resolved.ExceptionId)), resolved.Resolution);
        var service = CustomerService(resolved.CustomerId);
        await service.ResolveCase(
            CaseId(resolved.ShipmentId, resolved.ExceptionId), new ServiceCaseEntry(resolved.OccurredAt, resolved.Resolution, resolved.EventId));
        await service.Notify(new CrmNotification(
            resolved.EventId, resolved.CustomerId, CrmNotificationKind.ExceptionResolved, $"shipment/{resolved.ShipmentId}",
            resolved.Resolution, resolved.OccurredAt));
    }

    private static string Subject(string shipmentId, string exceptionId) => $"shipment/{shipmentId}/exception/{exceptionId}";

    private static string CaseId(string shipmentId, string exceptionId) => $"CASE-{shipmentId}-{exceptionId}";

    private IExceptionQueueGrain Queue(ExceptionQueue queue) => GrainFactory.GetGrain<IExceptionQueueGrain>(ExceptionRouting.QueueName(queue));

    private ICustomerServiceGrain CustomerService(string customerId) => GrainFactory.GetGrain<ICustomerServiceGrain>(customerId);

    private IPartnerKpiGrain PartnerKpis(string carrierId) => GrainFactory.GetGrain<IPartnerKpiGrain>(carrierId);

    private ICustomerKpiGrain CustomerKpis(string customerId) => GrainFactory.GetGrain<ICustomerKpiGrain>(customerId);
}
