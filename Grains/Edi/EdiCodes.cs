using System.Collections.Frozen;
using ShipmentGrid.Billing;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Edi;

/// <summary>
/// What carriers' X12 codes mean when their profile does not say: the codes of DOMAIN.md ("Carrier data
/// standards"). A carrier's own mapping always wins. Codes with no milestone (AG estimated delivery, CD
/// departed delivery: after a refusal the truck departs too, so it cannot mean delivered) are unmapped by
/// default; a carrier whose CD does mean delivered says so in its profile.
/// </summary>
public static class EdiCodes
{
    private static readonly FrozenDictionary<string, MilestoneType> DefaultMilestones = new Dictionary<string, MilestoneType>(StringComparer.Ordinal)
    {
        ["X3"] = MilestoneType.Dispatched,
        ["AF"] = MilestoneType.PickedUp,
        ["X6"] = MilestoneType.InTransit,
        ["X1"] = MilestoneType.ArrivedAtDelivery,
        ["D1"] = MilestoneType.Delivered,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ExceptionKind> DefaultExceptions = new Dictionary<string, ExceptionKind>(StringComparer.Ordinal)
    {
        ["SD"] = ExceptionKind.Delayed,
        ["AH"] = ExceptionKind.AttemptedDelivery,
        ["A7"] = ExceptionKind.Refused,
        ["A9"] = ExceptionKind.Damaged,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ChargeType> DefaultCharges = new Dictionary<string, ChargeType>(StringComparer.Ordinal)
    {
        ["400"] = ChargeType.Linehaul,
        ["FUE"] = ChargeType.FuelSurcharge,
        ["405"] = ChargeType.FuelSurcharge,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Status reason codes (element 1651) and what they say, for the event's notes.</summary>
    private static readonly FrozenDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["NS"] = "Normal status",
        ["A1"] = "Missed delivery",
        ["A2"] = "Incorrect address",
        ["AO"] = "Weather or natural disaster",
        ["C2"] = "Credit hold",
        ["BG"] = "Other",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static CarrierStatusMeaning? StatusMeaning(CarrierProfile carrier, string statusCode)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        if (CarrierCodes.StatusMeaning(carrier, statusCode) is { } own)
        {
            return own;
        }

        if (DefaultMilestones.TryGetValue(statusCode, out var milestone))
        {
            return new CarrierStatusMeaning(milestone, null);
        }

        return DefaultExceptions.TryGetValue(statusCode, out var kind) ? new CarrierStatusMeaning(null, kind) : null;
    }

    public static ChargeType? ChargeTypeOf(CarrierProfile carrier, string chargeCode)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        return CarrierCodes.ChargeTypeOf(carrier, chargeCode)
            ?? (DefaultCharges.TryGetValue(chargeCode, out var type) ? type : null);
    }

    /// <summary>What a status reason code says, or null for a code the grid does not know.</summary>
    public static string? ReasonText(string reasonCode) => Reasons.GetValueOrDefault(reasonCode);
}
