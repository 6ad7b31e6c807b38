using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// Signing secrets: <c>whsec_</c> and 32 random bytes in base64, shown to the subscriber once and stored only encrypted
/// with ASP.NET Core Data Protection, whose key ring every process shares (PostgreSQL, <see cref="Postgres.PostgresKeyRing"/>).
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private const string Prefix = "whsec_";
    private const int SecretBytes = 32;

    private readonly IDataProtector protector = provider.CreateProtector("ShipmentGrid.Webhooks.SigningSecret.v1");

    public static string Mint() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The HMAC key a secret stands for: the bytes its base64 after <c>whsec_</c> encodes.</summary>
    public static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException("A webhook secret starts with whsec_.");
        }

        return Convert.FromBase64String(secret[Prefix.Length..]);
    }

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string protectedSecret) => protector.Unprotect(protectedSecret);
}
