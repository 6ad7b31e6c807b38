namespace ShipmentGrid.CustomerService;

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
