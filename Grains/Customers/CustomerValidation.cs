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

        errors.Amount("creditLimit", registration.CreditLimit, registration.BillingCurrency);

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

    /// <summary>
    /// A new credit limit in the customer's billing currency; <paramref name="billingCurrency"/> is null where it is not
    /// known yet (the API, before the customer is asked), which bounds the decimals by the most any currency takes.
    /// </summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> ValidateCreditLimit(decimal? amount, string? billingCurrency)
    {
        var errors = new FieldErrors();
        if (amount is null)
        {
            errors.Add("amount", "Required.");
        }
        else
        {
            if (amount < 0m)
            {
                errors.Add("amount", "Must not be negative.");
            }

            errors.Amount("amount", amount.Value, billingCurrency);
        }

        return errors.ToImmutable();
    }

    /// <summary>A payment in the customer's billing currency; see <see cref="ValidateCreditLimit"/> for a null currency.</summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> ValidatePayment(string? paymentId, decimal? amount, string? billingCurrency)
    {
        var errors = new FieldErrors();
        errors.Identifier("paymentId", paymentId);
        if (amount is null)
        {
            errors.Add("amount", "Required.");
        }
        else
        {
            if (amount <= 0m)
            {
                errors.Add("amount", "Must be positive.");
            }

            errors.Amount("amount", amount.Value, billingCurrency);
        }

        return errors.ToImmutable();
    }
}
