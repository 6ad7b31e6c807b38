using ShipmentGrid.Shipments;

namespace ShipmentGrid.Customers;

/// <summary>A customer as billing and credit see it, keyed by the customer id.</summary>
[Alias("sg.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Registers the customer; the same registration again is a duplicate, another a rejection.</summary>
    [Alias("Register")]
    Task<CommandResult> Register(CustomerRegistration registration);

    /// <summary>The customer, or null when never registered.</summary>
    [Alias("GetProfile")]
    Task<CustomerProfile?> GetProfile();
}

/// <summary>What a caller provides to open a customer account.</summary>
[GenerateSerializer, Immutable, Alias("sg.customer-registration.v1")]
public sealed record CustomerRegistration(
    [Id(0)] string CustomerId,
    [Id(1)] string Name,
    [Id(2)] string BillingCurrency,
    [Id(3)] decimal CreditLimit,
    [Id(4)] int PaymentTermsDays);
