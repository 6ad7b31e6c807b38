using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>What a carrier's status code means for a shipment: a milestone or a delivery exception.</summary>
public sealed record CarrierStatusMeaning(MilestoneType? Milestone, ExceptionKind? DeliveryException);

/// <summary>
/// Translates a carrier's own codes (X12 AT701 status codes, L108 charge codes) through its profile.
/// Unmapped codes return null: the caller dead-letters or ignores them (e.g. AG, estimated delivery),
/// never guesses.
/// </summary>
public static class CarrierCodes
{
    public static CarrierStatusMeaning? StatusMeaning(CarrierProfile carrier, string statusCode)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        if (carrier.MilestoneCodes.TryGetValue(statusCode, out var milestone))
        {
            return new CarrierStatusMeaning(milestone, null);
        }

        return carrier.ExceptionCodes.TryGetValue(statusCode, out var kind) ? new CarrierStatusMeaning(null, kind) : null;
    }

    public static ChargeType? ChargeTypeOf(CarrierProfile carrier, string chargeCode)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        return carrier.ChargeCodes.TryGetValue(chargeCode, out var type) ? type : null;
    }

    /// <summary>
    /// Whether two profiles say the same thing: same identity, SLA and code for code the same mappings. Records
    /// compare dictionaries by reference, so a profile sent again would otherwise always look changed.
    /// </summary>
    /// <summary>The interchange sender ids a carrier named besides its SCAC and id (none when it named none).</summary>
    public static ImmutableArray<string> SendersOf(CarrierProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.EdiSenderIds is { IsDefault: false } senders ? senders : [];
    }

    public static bool SameProfile(CarrierProfile left, CarrierProfile right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return left.CarrierId == right.CarrierId
            && left.Scac == right.Scac
            && left.Name == right.Name
            && left.Sla == right.Sla
            && left.TimeZone == right.TimeZone
            && SendersOf(left).SequenceEqual(SendersOf(right))
            && SameMappings(left.MilestoneCodes, right.MilestoneCodes)
            && SameMappings(left.ExceptionCodes, right.ExceptionCodes)
            && SameMappings(left.ChargeCodes, right.ChargeCodes);
    }

    private static bool SameMappings<TMeaning>(ImmutableDictionary<string, TMeaning> left, ImmutableDictionary<string, TMeaning> right)
        where TMeaning : struct, Enum =>
        left.Count == right.Count
        && left.All(pair => right.TryGetValue(pair.Key, out var meaning) && EqualityComparer<TMeaning>.Default.Equals(pair.Value, meaning));
}
