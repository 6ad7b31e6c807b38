using System.Collections.Immutable;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Billing;

public static class ChargeValidation
{
    public static ImmutableDictionary<string, ImmutableArray<string>> Validate(Charge charge)
    {
        ArgumentNullException.ThrowIfNull(charge);
        var errors = new FieldErrors();
        errors.Text("chargeId", charge.ChargeId, 128, required: true);
        errors.Defined("type", charge.Type);
        if (charge.Amount is null)
        {
            errors.Add("amount", "Required.");
        }
        else
        {
            if (!charge.Amount.IsPositive)
            {
                errors.Add("amount.amount", "Must be positive.");
            }

            errors.Amount("amount.amount", charge.Amount.Amount, charge.Amount.Currency);
            errors.Currency("amount.currency", charge.Amount.Currency);
        }

        errors.Defined("source", charge.Source);
        errors.Text("sourceReference", charge.SourceReference, 128, required: false);
        return errors.ToImmutable();
    }
}
