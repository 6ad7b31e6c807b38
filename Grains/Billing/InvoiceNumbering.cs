using System.Globalization;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Billing;

/// <summary>
/// Invoice numbers are functions of the shipment: the original is <c>INV-{shipment}</c> and its adjustments
/// <c>INV-{shipment}~A{n}</c>, so every retry, duplicate or restart arrives at the same number, which is also the ERP
/// idempotency key. Shipment ids hold letters, digits, '.', '_' and '-' only, so the '~' (unreserved in URLs) can never
/// be part of one: a number names exactly one shipment and document, whatever the shipment id looks like.
/// </summary>
public static class InvoiceNumbering
{
    public const string Prefix = "INV-";

    public const char AdjustmentSeparator = '~';

    public static string For(string shipmentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shipmentId);
        return Prefix + shipmentId;
    }

    /// <summary>The number of the shipment's <paramref name="sequence"/>-th adjustment (1-based).</summary>
    public static string Adjustment(string shipmentId, int sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        return $"{For(shipmentId)}{AdjustmentSeparator}A{sequence.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The shipment an invoice number belongs to, or null when the text is not one of our numbers.</summary>
    public static string? ShipmentIdOf(string? invoiceNumber) => Parse(invoiceNumber)?.ShipmentId;

    /// <summary>
    /// The key of the invoice grain holding the document: the shipment id for the original (as it always was), the
    /// number without its prefix for an adjustment. Null when the text is not one of our numbers.
    /// </summary>
    public static string? GrainKeyOf(string? invoiceNumber) =>
        Parse(invoiceNumber) is { } parsed ? invoiceNumber![Prefix.Length..] : null;

    /// <summary>True when the number is an adjustment's rather than a shipment's original invoice.</summary>
    public static bool IsAdjustment(string? invoiceNumber) => Parse(invoiceNumber) is { Sequence: > 0 };

    /// <summary>The shipment and adjustment sequence (0 for the original) of a number, or null when it is not one of ours.</summary>
    public static (string ShipmentId, int Sequence)? Parse(string? invoiceNumber)
    {
        if (invoiceNumber is null || !invoiceNumber.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = invoiceNumber.AsSpan(Prefix.Length);
        var separator = rest.IndexOf(AdjustmentSeparator);
        var shipmentId = separator < 0 ? rest : rest[..separator];
        if (shipmentId.IsEmpty || shipmentId.Length > FieldErrors.MaxIdentifierLength || !FieldErrors.IsIdentifier(shipmentId))
        {
            return null;
        }

        if (separator < 0)
        {
            return (shipmentId.ToString(), 0);
        }

        var suffix = rest[(separator + 1)..];
        return suffix is ['A', >= '1' and <= '9', ..]
            && int.TryParse(suffix[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? (shipmentId.ToString(), sequence)
            : null;
    }
}
