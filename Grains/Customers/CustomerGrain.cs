using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Customers;

/// <summary>A customer's account: profile, credit limit, receivables and hold, persisted as grain state.</summary>
public sealed class CustomerGrain(
    [PersistentState("customer", GridProviders.Storage)] IPersistentState<CustomerState> account) : Grain, ICustomerGrain
{
    public async Task<CommandResult> Register(CustomerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var errors = CustomerValidation.Validate(registration);
        if (!errors.IsEmpty)
        {
            return new CommandResult(CommandOutcome.Rejected, RejectionCode.ValidationFailed, "Validation failed.", errors);
        }

        var profile = new CustomerProfile(
            registration.CustomerId,
            registration.Name,
            registration.BillingCurrency,
            new Money(registration.CreditLimit, registration.BillingCurrency),
            Money.Zero(registration.BillingCurrency),
            CreditHold: false,
            CreditHoldReason: null,
            registration.PaymentTermsDays);
        if (account.State.Profile is { } existing)
        {
            return existing.Name == profile.Name && existing.BillingCurrency == profile.BillingCurrency
                ? new CommandResult(CommandOutcome.Duplicate, RejectionCode.None, $"Customer {registration.CustomerId} is already registered.", Validation.FieldErrors.None)
                : new CommandResult(CommandOutcome.Rejected, RejectionCode.AlreadyExists, $"Customer {registration.CustomerId} is already registered with other details.", Validation.FieldErrors.None);
        }

        account.State = new CustomerState { Profile = profile };
        await account.WriteStateAsync();
        return new CommandResult(CommandOutcome.Applied, RejectionCode.None, null, Validation.FieldErrors.None);
    }

    public Task<CustomerProfile?> GetProfile() => Task.FromResult(account.State.Profile);
}

/// <summary>Stored state of a customer grain.</summary>
[GenerateSerializer, Alias("sg.customer-state.v1")]
public sealed class CustomerState
{
    [Id(0)]
    public CustomerProfile? Profile { get; set; }
}
