using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>
/// A receiver's check, written from the Standard Webhooks specification text alone (not from the grid's signer): the
/// signed content is <c>msg_id.timestamp.body</c>; the key is the base64 after <c>whsec_</c>; HMAC-SHA256, base64; the
/// header lists space-separated <c>v1,&lt;signature&gt;</c> entries, any one of which may match; the timestamp must be
/// within a tolerance of now (5 minutes) against replays.
/// </summary>
internal static class SignatureVerifier
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>Whether one of the header's v1 signatures is the secret's, and the timestamp is fresh.</summary>
    public static bool Verifies(string secret, string messageId, string timestamp, string signatureHeader, byte[] body, DateTimeOffset now)
    {
        var seconds = long.Parse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture);
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > Tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Expected(secret, messageId, timestamp, body);
        return signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(entry => entry.StartsWith("v1,", StringComparison.Ordinal))
            .Any(entry => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    /// <summary>How many v1 signatures the header carries.</summary>
    public static int Count(string signatureHeader) =>
        signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(entry => entry.StartsWith("v1,", StringComparison.Ordinal));

    private static string Expected(string secret, string messageId, string timestamp, byte[] body)
    {
        using var hmac = new HMACSHA256(Convert.FromBase64String(secret["whsec_".Length..]));
        var signed = Encoding.UTF8.GetBytes(messageId + "." + timestamp + ".").Concat(body).ToArray();
        return Convert.ToBase64String(hmac.ComputeHash(signed));
    }
}
