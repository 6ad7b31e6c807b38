using System.Collections.Immutable;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Customers;

public static class CustomerValidation
{
    public static ImmutableDictionary<string, ImmutableArray<string>> Validate(CustomerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var errors = new FieldErrors();
        errors.Identifier("customerId", registration.CustomerId);
        errors.Text("name", registration.Name, maxLength: 200, required: true);
        errors.Currency("billingCurrency", registration.BillingCurrency);
        if (registration.CreditLimit < 0m)
        {
            errors.Add("creditLimit", "Must not be negative.");
        }

        if (registration.PaymentTermsDays is < 0 or > 365)
        {
            errors.Add("paymentTermsDays", "Between 0 and 365 days.");
        }

        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, ImmutableArray<string>> ValidateHoldReason(string? reason)
    {
        var errors = new FieldErrors();
        errors.Text("reason", reason, maxLength: 500, required: true);
        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, ImmutableArray<string>> ValidateCreditLimit(decimal? amount)
    {
        var errors = new FieldErrors();
        if (amount is null)
        {
            errors.Add("amount", "Required.");
        }
        else if (amount < 0m)
        {
            errors.Add("amount", "Must not be negative.");
        }

        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, ImmutableArray<string>> ValidatePayment(string? paymentId, decimal? amount)
    {
        var errors = new FieldErrors();
        errors.Identifier("paymentId", paymentId);
        if (amount is null)
        {
            errors.Add("amount", "Required.");
        }
        else if (amount <= 0m)
        {
            errors.Add("amount", "Must be positive.");
        }

        return errors.ToImmutable();
    }
}
