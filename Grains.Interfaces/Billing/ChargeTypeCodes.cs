using System.Collections.Frozen;

namespace ShipmentGrid.Billing;

/// <summary>
/// The standard charge codes partners send (DOMAIN.md: LINEHAUL, FUEL_SURCHARGE, DETENTION, SPECIAL_HANDLING,
/// OTHER_ACCESSORIAL), beside the grid's own spelling, the <see cref="ChargeType"/> names, which stay the canonical form
/// the grid writes back.
/// </summary>
public static class ChargeTypeCodes
{
    private static readonly FrozenDictionary<string, ChargeType> TypesByCode = new Dictionary<string, ChargeType>(StringComparer.Ordinal)
    {
        ["LINEHAUL"] = ChargeType.Linehaul,
        ["FUEL_SURCHARGE"] = ChargeType.FuelSurcharge,
        ["DETENTION"] = ChargeType.Detention,
        ["SPECIAL_HANDLING"] = ChargeType.SpecialHandling,
        ["OTHER_ACCESSORIAL"] = ChargeType.OtherAccessorial,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every accepted spelling: the canonical names first, then the standard codes.</summary>
    public static IReadOnlyList<string> Accepted { get; } = [.. Enum.GetNames<ChargeType>(), .. TypesByCode.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The standard code of a charge type, as partners and the ERP spell it (<c>FUEL_SURCHARGE</c>).</summary>
    public static string CodeOf(ChargeType type) =>
        TypesByCode.First(pair => pair.Value == type).Key;

    /// <summary>The charge type a name (any case) or a standard code (upper case, as partners send it) stands for.</summary>
    public static ChargeType? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (TypesByCode.TryGetValue(text, out var type))
        {
            return type;
        }

        return Enum.GetValues<ChargeType>().Cast<ChargeType?>()
            .FirstOrDefault(candidate => string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase));
    }
}
