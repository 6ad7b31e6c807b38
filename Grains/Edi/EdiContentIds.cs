using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ShipmentGrid.Edi;

/// <summary>
/// Ids derived from what an EDI document says, never from its envelope: a status or an invoice line resent
/// in a new interchange (new control numbers) gets the id it had before, so the shipment sees a duplicate.
/// SHA-256 of a canonical string, the first 16 bytes in hex: short enough for keys, far from colliding.
/// </summary>
public static class EdiContentIds
{
    /// <summary>A status event: carrier, references, status, the instant (in UTC, whatever time code said it) and the place.</summary>
    public static string StatusEventId(
        string carrierId,
        string shipmentId,
        string? proNumber,
        string statusCode,
        DateTimeOffset occurredAt,
        string? city,
        string? state,
        string? country) =>
        "edi214-" + Hash(
            carrierId,
            shipmentId,
            proNumber ?? string.Empty,
            statusCode,
            occurredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            (city ?? string.Empty).Trim().ToUpperInvariant(),
            (state ?? string.Empty).Trim().ToUpperInvariant(),
            (country ?? string.Empty).Trim().ToUpperInvariant());

    /// <summary>
    /// An invoice line: carrier, invoice number and the line's place in the invoice. Not the amount, so a
    /// corrected invoice under the same number meets the earlier charge as a conflict, never as a second charge.
    /// </summary>
    public static string ChargeId(string carrierId, string invoiceNumber, string lineKey) =>
        "edi210-" + Hash(carrierId, invoiceNumber, lineKey);

    private static string Hash(params string[] parts)
    {
        // The unit separator cannot occur in EDI data, so no two different part lists give one string.
        var canonical = string.Join('\u001F', parts);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
        return Convert.ToHexStringLower(digest.AsSpan(0, 16));
    }
}
