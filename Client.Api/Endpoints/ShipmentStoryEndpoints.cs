using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// A shipment's whole story on one read: its state, every recorded event with the carrier event's source and its trace
/// id, its invoice documents with the ERP document, and the exception items, service cases and CRM notifications its
/// events and its invoices' events made, with their webhook deliveries. The read-model rows are found by the keys the
/// read-model projection gives those events, so each is a lookup by key, never a scan of a customer's lists.
/// </summary>
internal static class ShipmentStoryEndpoints
{
    /// <summary>The newest webhook delivery attempts of the story's notifications that it shows.</summary>
    private const int MaxDeliveries = 100;

    public static RouteGroupBuilder MapShipmentStory(this RouteGroupBuilder api)
    {
        api.MapGet("/shipments/{shipmentId}/story", GetStoryAsync)
            .WithTags("Shipments")
            .WithName("GetShipmentStory")
            .WithSummary("A shipment's whole story: state, recorded events with their source and trace id, invoices with the ERP document, and "
                + "the exception items (staff only), service cases, CRM notifications and their webhook deliveries (staff only) its events made.");
        return api;
    }

    private static async Task<Results<Ok<ShipmentStory>, ProblemHttpResult>> GetStoryAsync(
        string shipmentId, HttpContext context, IGrainFactory grains, IReadModels readModels, IWebhookDeliveries deliveries, CancellationToken cancellationToken)
    {
        var shipmentGrain = grains.GetGrain<IShipmentGrain>(shipmentId);
        if (await shipmentGrain.GetView() is not { } shipment)
        {
            return Problems.NotFound("shipment", shipmentId);
        }

        var history = await shipmentGrain.GetHistory();
        var traces = await shipmentGrain.GetHistoryTraces();
        var invoices = await BillingEndpoints.ReadInvoicesAsync(shipment, grains);
        var invoiceHistories = await Task.WhenAll((invoices?.Invoices ?? []).Select(invoice =>
            grains.GetGrain<IInvoiceGrain>(InvoiceNumbering.GrainKeyOf(invoice.InvoiceNumber)!).GetHistory()));
        var changes = history.Cast<object>().Concat(invoiceHistories.SelectMany(events => events))
            .SelectMany(ReadModelProjection.Project).ToList();
        var exceptionIds = changes.OfType<OpenExceptionItem>().Select(open => open.Item.ExceptionId).Distinct(StringComparer.Ordinal);
        var caseIds = changes.OfType<OpenServiceCase>().Select(open => open.CaseId).Distinct(StringComparer.Ordinal);

        // Exception items and webhook deliveries are staff matters (the queues' and the subscriptions' own policies); a
        // customer or carrier reading its shipment sees the rest.
        var staff = context.Caller().IsStaff;
        var exceptions = staff
            ? await Task.WhenAll(exceptionIds.Select(id => readModels.FindExceptionAsync(id, cancellationToken)))
            : [];
        var notifications = changes.OfType<QueueNotification>().Select(queued => queued.Notification).ToList();
        var attempts = staff && notifications.Count > 0
            ? await deliveries.ListNotificationAttemptsAsync([.. notifications.Select(notification => notification.NotificationId)], MaxDeliveries, cancellationToken)
            : [];
        var customerId = shipment.Booking.CustomerId;
        var cases = await Task.WhenAll(caseIds.Select(id => readModels.FindCaseAsync(customerId, id, cancellationToken)));

        return TypedResults.Ok(new ShipmentStory(
            shipment,
            [.. history.Select((recorded, index) => new StoryStep(
                index + 1, recorded.GetType().Name, recorded.EventId, recorded.OccurredAt, SourceOf(recorded),
                index < traces.Length ? TraceIdOf(traces[index]) : null, recorded))],
            invoices?.Invoices ?? [],
            [.. exceptions.OfType<ExceptionItem>().OrderBy(item => item.OpenedAt)],
            [.. cases.OfType<ServiceCaseView>().OrderBy(serviceCase => serviceCase.OpenedAt)],
            [.. notifications],
            attempts));
    }

    /// <summary>The trace id of a W3C <c>traceparent</c> (<c>00-{trace id}-{span id}-{flags}</c>); null for none or another format.</summary>
    private static string? TraceIdOf(string? traceParent) =>
        traceParent?.Split('-') is [_, { Length: 32 } traceId, _, _] ? traceId : null;

    /// <summary>Where a carrier's report came in (API, stream, EDI); null for what the grid recorded itself.</summary>
    private static EventSource? SourceOf(IShipmentEvent recorded) => recorded switch
    {
        MilestoneRecorded milestone => milestone.CarrierEvent.Source,
        ShipmentExceptionOpened opened => opened.CarrierEvent.Source,
        _ => null,
    };
}

/// <summary>One shipment's story: everything the operations page shows on one screen.</summary>
internal sealed record ShipmentStory(
    ShipmentView Shipment,
    ImmutableArray<StoryStep> Steps,
    ImmutableArray<InvoiceView> Invoices,
    ImmutableArray<ExceptionItem> Exceptions,
    ImmutableArray<ServiceCaseView> Cases,
    ImmutableArray<CrmNotification> Notifications,
    ImmutableArray<DeliveryAttempt> WebhookDeliveries);

/// <summary>
/// One recorded event of the shipment, oldest first, with the carrier event's source where one reported it and the
/// trace it was recorded under (the trace of the request or of the journal reader's work that caused it).
/// </summary>
internal sealed record StoryStep(int Version, string Type, string EventId, DateTimeOffset OccurredAt, EventSource? Source, string? TraceId, object Event);
