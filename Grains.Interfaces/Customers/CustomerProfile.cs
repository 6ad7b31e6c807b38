using ShipmentGrid.Billing;

namespace ShipmentGrid.Customers;

/// <summary>
/// A customer as billing and credit see it. <see cref="OpenReceivables"/> are posted, unpaid invoices;
/// money amounts are in <see cref="BillingCurrency"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.customer-profile.v1")]
public sealed record CustomerProfile(
    [Id(0)] string CustomerId,
    [Id(1)] string Name,
    [Id(2)] string BillingCurrency,
    [Id(3)] Money CreditLimit,
    [Id(4)] Money OpenReceivables,
    [Id(5)] bool CreditHold,
    [Id(6)] string? CreditHoldReason,
    [Id(7)] int PaymentTermsDays);
