namespace ShipmentGrid.Operations;

[GenerateSerializer, Alias("sg.exception-queue.v1")]
public enum ExceptionQueue
{
    BillingIncomplete = 0,
    CreditHold = 1,
    DeliveryException = 2,
    ErpFailure = 3,
    DeadLetter = 4,
}

[Flags]
[GenerateSerializer, Alias("sg.owner-team.v1")]
public enum OwnerTeam
{
    None = 0,
    Operations = 1,
    Finance = 2,
    CustomerService = 4,
}

/// <summary>
/// An item in an operational exception queue (DOMAIN's "Exception"). Named Item, not Exception, because
/// it is a work item for people, not a thrown .NET exception. <see cref="Subject"/> names what it is about,
/// e.g. "shipment/S-1" or "invoice/INV-S-1". <see cref="Cause"/> names what opened it (the causing event): the
/// same cause told again never reopens a resolved item, a new cause does. <see cref="CustomerId"/> names the customer
/// the item touches, when there is one.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.exception-item.v1")]
public sealed record ExceptionItem(
    [Id(0)] string ExceptionId,
    [Id(1)] ExceptionQueue Queue,
    [Id(2)] string Subject,
    [Id(3)] string Reason,
    [Id(4)] DateTimeOffset OpenedAt,
    [Id(5)] OwnerTeam Owners,
    [Id(6)] string? Resolution,
    [Id(7)] DateTimeOffset? ResolvedAt,
    [Id(8)] string? Cause = null,
    [Id(9)] string? CustomerId = null)
{
    public bool IsOpen => Resolution is null;
}
