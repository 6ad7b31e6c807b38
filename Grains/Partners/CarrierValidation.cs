using System.Collections.Immutable;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Partners;

public static class CarrierValidation
{
    private const int MaxCodeLength = 16;

    public static ImmutableDictionary<string, ImmutableArray<string>> Validate(CarrierProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var errors = new FieldErrors();
        errors.Identifier("carrierId", profile.CarrierId);
        if (profile.Scac is not { Length: >= 2 and <= 4 } scac || !scac.All(char.IsAsciiLetterUpper))
        {
            errors.Add("scac", "Use the carrier's SCAC: 2 to 4 upper-case letters.");
        }

        errors.Text("name", profile.Name, maxLength: 200, required: true);
        if (profile.TimeZone is { } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors.Add("timeZone", "An IANA time zone id, e.g. America/Chicago: EDI times with a local time code are read in it.");
        }

        if (profile.EdiSenderIds is { IsDefault: false } senders && (senders.Length > 10 || senders.Any(id => id is not { Length: > 0 and <= 15 } || id.Any(char.IsControl))))
        {
            errors.Add("ediSenderIds", "At most 10 interchange sender ids (ISA06/GS02) of 1 to 15 characters.");
        }

        Mappings(errors, "milestoneCodes", profile.MilestoneCodes);
        Mappings(errors, "exceptionCodes", profile.ExceptionCodes);
        Mappings(errors, "chargeCodes", profile.ChargeCodes);
        if (profile.MilestoneCodes is not null && profile.ExceptionCodes is not null)
        {
            // CarrierCodes would read such a code as the milestone and never as the exception: refuse the ambiguity.
            foreach (var code in profile.MilestoneCodes.Keys.Where(profile.ExceptionCodes.ContainsKey).Order(StringComparer.Ordinal))
            {
                errors.Add($"exceptionCodes.{code}", "Already mapped to a milestone: a status code means one thing.");
            }
        }

        if (profile.Sla is null)
        {
            errors.Add("sla", "Required.");
        }
        else
        {
            if (profile.Sla.DeliveryTolerance < TimeSpan.Zero)
            {
                errors.Add("sla.deliveryTolerance", "Must not be negative.");
            }

            if (profile.Sla.OnTimeTargetPercent is < 0m or > 100m)
            {
                errors.Add("sla.onTimeTargetPercent", "Between 0 and 100.");
            }
        }

        return errors.ToImmutable();
    }

    private static void Mappings<TMeaning>(FieldErrors errors, string field, ImmutableDictionary<string, TMeaning>? mappings)
        where TMeaning : struct, Enum
    {
        if (mappings is null)
        {
            errors.Add(field, "Required (may be empty).");
            return;
        }

        foreach (var (code, meaning) in mappings.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(code))
            {
                errors.Add(field, "Codes must not be empty.");
            }
            else if (code.Length > MaxCodeLength)
            {
                errors.Add($"{field}.{code}", $"Codes have at most {MaxCodeLength} characters.");
            }
            else
            {
                errors.Defined($"{field}.{code}", meaning);
            }
        }
    }
}
