using System.Collections.Immutable;

namespace ShipmentGrid.Validation;

/// <summary>
/// Collects validation errors as field name → messages, the shape RFC 9457 validation problem details
/// carry. Field names are the camelCase JSON paths the API exposes (e.g. "location.country").
/// </summary>
public sealed class FieldErrors
{
    /// <summary>The largest amount the grid takes in any currency: 10^12, far above any freight bill or credit line.</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    /// <summary>The longest customer, shipment, carrier or payment id.</summary>
    public const int MaxIdentifierLength = 64;

    private readonly SortedDictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public static ImmutableDictionary<string, ImmutableArray<string>> None { get; } =
        ImmutableDictionary<string, ImmutableArray<string>>.Empty;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            messages = [];
            _errors.Add(field, messages);
        }

        messages.Add(message);
    }

    /// <summary>Ids travel into keys, invoice numbers and ERP documents, so they stay short and plain.</summary>
    public void Identifier(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "Required.");
        }
        else if (value.Length > MaxIdentifierLength || !value.All(IsIdentifierChar))
        {
            Add(field, $"Use 1 to {MaxIdentifierLength} letters, digits, '.', '_' or '-'.");
        }
    }

    /// <summary>A caller's key for something (an event, case or exception id, an invoice number): present, bounded, no control characters.</summary>
    public void Key(string field, string? value, int maxLength)
    {
        Text(field, value, maxLength, required: true);
        if (!string.IsNullOrWhiteSpace(value) && value.Any(char.IsControl))
        {
            Add(field, "No control characters.");
        }
    }

    public void Text(string field, string? value, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "Required.");
            }
        }
        else if (value.Length > maxLength)
        {
            Add(field, $"At most {maxLength} characters.");
        }
    }

    /// <summary>An active ISO 4217 currency of the grid's own table (<see cref="Iso4217"/>).</summary>
    public void Currency(string field, string? value)
    {
        if (!IsUpperCaseCode(value, 3))
        {
            Add(field, "Use an ISO 4217 currency code: three upper-case letters.");
        }
        else if (Iso4217.MinorUnits(value) is null)
        {
            Add(field, $"Unknown currency '{value}': use an active ISO 4217 code such as USD, EUR or JPY.");
        }
    }

    /// <summary>
    /// A money amount: at most <see cref="MaxAmount"/> in absolute value and no more significant decimals than the
    /// currency's minor units (trailing zeros do not count: 1200.00 is a whole number of yen). With no known currency
    /// (not given yet, or itself in error) the decimals are bounded by the most any currency takes.
    /// </summary>
    public void Amount(string field, decimal value, string? currency)
    {
        if (decimal.Abs(value) > MaxAmount)
        {
            Add(field, $"At most {MaxAmount:0} in absolute value.");
            return;
        }

        var known = Iso4217.MinorUnits(currency);
        var decimals = known ?? Iso4217.MaxMinorUnits;
        if (decimal.Round(value, decimals) != value)
        {
            Add(field, known is null
                ? $"At most {decimals} decimals."
                : $"At most {decimals} decimals: {currency} has {decimals} minor units.");
        }
    }

    /// <summary>ISO 3166-1 alpha-2: two upper-case letters.</summary>
    public void Country(string field, string? value)
    {
        if (!IsUpperCaseCode(value, 2))
        {
            Add(field, "Use an ISO 3166-1 alpha-2 country code: two upper-case letters.");
        }
    }

    public void Defined<TEnum>(string field, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Add(field, $"Unknown value '{value}'.");
        }
    }

    public void Instant(string field, DateTimeOffset value)
    {
        if (value == default)
        {
            Add(field, "Required.");
        }
    }

    public ImmutableDictionary<string, ImmutableArray<string>> ToImmutable() =>
        _errors.ToImmutableDictionary(pair => pair.Key, pair => pair.Value.ToImmutableArray(), StringComparer.Ordinal);

    /// <summary>Whether every character is one an identifier may hold (letters, digits, '.', '_', '-').</summary>
    public static bool IsIdentifier(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!IsIdentifierChar(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    private static bool IsUpperCaseCode(string? value, int length) =>
        value is not null && value.Length == length && value.All(char.IsAsciiLetterUpper);
}
