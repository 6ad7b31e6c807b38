using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// Signs a delivery as the Standard Webhooks specification says: HMAC-SHA256, keyed with the base64 bytes after the
/// secret's <c>whsec_</c> prefix, over <c>{webhook-id}.{webhook-timestamp}.{body}</c>; the signature header is
/// <c>v1,&lt;base64&gt;</c>, several of them space-separated while a rotated secret overlaps the new one. The id and the
/// timestamp are signed so a receiver can refuse a replayed or stale message.
/// </summary>
public static class StandardWebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>The <c>webhook-signature</c> value: one <c>v1,</c> signature per secret, in the order given.</summary>
    public static string Sign(IEnumerable<string> secrets, string messageId, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var signatures = new List<string>();
        foreach (var secret in secrets)
        {
            signatures.Add(Sign(secret, messageId, timestamp, body));
        }

        return string.Join(' ', signatures);
    }

    /// <summary>One <c>v1,&lt;base64&gt;</c> signature.</summary>
    public static string Sign(string secret, string messageId, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{UnixSeconds(timestamp)}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(WebhookSecrets.KeyOf(secret), content));
    }

    /// <summary>The <c>webhook-timestamp</c> value: whole seconds since the Unix epoch.</summary>
    public static string UnixSeconds(DateTimeOffset timestamp) => timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
