using System.Globalization;

namespace ShipmentGrid.Edi;

/// <summary>Element values as the grid keeps them.</summary>
internal static class EdiText
{
    public static string? OrNull(string value)
    {
        var trimmed = value.Trim();
        return trimmed.Length == 0 ? null : trimmed;
    }

    /// <summary>An X12 N2 amount: an optional minus and digits, the last two of them decimals ("123456" is 1234.56).</summary>
    public static decimal? ImpliedTwoDecimals(string text)
    {
        var digits = text.StartsWith('-') ? text[1..] : text;
        if (digits.Length is 0 or > 18 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var value = decimal.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) / 100m;
        return text.StartsWith('-') ? -value : value;
    }

    /// <summary>An X12 R (decimal) value such as a weight: digits with an optional point and minus.</summary>
    public static decimal? Real(string text) =>
        text.Length > 0 && decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
