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
}
