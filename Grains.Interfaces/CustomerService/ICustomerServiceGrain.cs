using System.Collections.Immutable;

namespace ShipmentGrid.CustomerService;

/// <summary>
/// What customer service sees of one customer (keyed by customer id): service cases, and the CRM
/// notifications waiting to go out. Every operation is idempotent by the id of the fact that caused it.
/// </summary>
[Alias("sg.ICustomerServiceGrain")]
public interface ICustomerServiceGrain : IGrainWithStringKey
{
    /// <summary>Opens a case, or adds the entry to the open case of the same id.</summary>
    [Alias("OpenCase")]
    Task OpenCase(string caseId, string? shipmentId, ServiceCaseReason reason, ServiceCaseEntry entry);

    [Alias("ResolveCase")]
    Task ResolveCase(string caseId, ServiceCaseEntry entry);

    [Alias("Cases")]
    Task<ImmutableArray<ServiceCaseView>> Cases();

    /// <summary>Queues a CRM notification once per id (durable outgoing message).</summary>
    [Alias("Notify")]
    Task Notify(CrmNotification notification);

    [Alias("Notifications")]
    Task<ImmutableArray<CrmNotification>> Notifications();

    /// <summary>Adds a booked shipment to the customer's shipments; the same shipment again changes nothing.</summary>
    [Alias("TrackShipment")]
    Task TrackShipment(string shipmentId);

    /// <summary>The ids of the customer's booked shipments, in id order.</summary>
    [Alias("Shipments")]
    Task<ImmutableArray<string>> Shipments();
}

[GenerateSerializer, Alias("sg.crm-notification-kind.v1")]
public enum CrmNotificationKind
{
    DeliveryConfirmed = 0,
    ExceptionOpened = 1,
    ExceptionResolved = 2,
    InvoiceHeld = 3,
    InvoicePosted = 4,
}

/// <summary>An outgoing CRM message; <see cref="NotificationId"/> derives from the event behind it, so it is sent once.</summary>
[GenerateSerializer, Immutable, Alias("sg.crm-notification.v1")]
public sealed record CrmNotification(
    [Id(0)] string NotificationId,
    [Id(1)] string CustomerId,
    [Id(2)] CrmNotificationKind Kind,
    [Id(3)] string Subject,
    [Id(4)] string Text,
    [Id(5)] DateTimeOffset OccurredAt);
