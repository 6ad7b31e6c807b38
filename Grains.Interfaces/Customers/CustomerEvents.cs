using ShipmentGrid.Billing;

namespace ShipmentGrid.Customers;

/// <summary>
/// A transition of one customer's account, journaled on the stream <c>customer/{customerId}</c> in the same commit as
/// the customer's state, for the journal's readers (finance's view of credit, customer service, KPIs).
/// <see cref="EventId"/> names the transition, so a repeated delivery is recognised.
/// </summary>
public interface ICustomerEvent
{
    string EventId { get; }

    string CustomerId { get; }

    DateTimeOffset OccurredAt { get; }
}

/// <summary>The customer's account was opened.</summary>
[GenerateSerializer, Immutable, Alias("sg.customer-registered.v1")]
public sealed record CustomerRegistered(
    [Id(0)] string EventId,
    [Id(1)] string CustomerId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string Name,
    [Id(4)] string BillingCurrency,
    [Id(5)] Money CreditLimit,
    [Id(6)] int PaymentTermsDays) : ICustomerEvent;

/// <summary>Finance put the customer on manual credit hold: every new invoice is held until it lifts.</summary>
[GenerateSerializer, Immutable, Alias("sg.credit-hold-placed.v1")]
public sealed record CreditHoldPlaced(
    [Id(0)] string EventId,
    [Id(1)] string CustomerId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string Reason) : ICustomerEvent;

/// <summary>The manual credit hold was lifted; held invoices that fit the limit are released, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("sg.credit-hold-lifted.v1")]
public sealed record CreditHoldLifted(
    [Id(0)] string EventId,
    [Id(1)] string CustomerId,
    [Id(2)] DateTimeOffset OccurredAt) : ICustomerEvent;

/// <summary>The credit limit changed from <see cref="Previous"/> to <see cref="Limit"/>; a higher one releases what now fits.</summary>
[GenerateSerializer, Immutable, Alias("sg.credit-limit-changed.v1")]
public sealed record CreditLimitChanged(
    [Id(0)] string EventId,
    [Id(1)] string CustomerId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] Money Previous,
    [Id(4)] Money Limit) : ICustomerEvent;

/// <summary>
/// A payment was taken into the customer's credit (it reaches the ERP ledger afterwards); <see cref="OpenReceivables"/>
/// is what the customer owes after it.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.payment-recorded.v1")]
public sealed record PaymentRecorded(
    [Id(0)] string EventId,
    [Id(1)] string CustomerId,
    [Id(2)] DateTimeOffset OccurredAt,
    [Id(3)] string PaymentId,
    [Id(4)] Money Amount,
    [Id(5)] Money OpenReceivables) : ICustomerEvent;
