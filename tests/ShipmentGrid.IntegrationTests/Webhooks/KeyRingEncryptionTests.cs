using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Hosting.Webhooks;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>
/// With <c>Webhooks:KeyRingCertificatePath</c> the Data Protection keys are encrypted at rest in the key ring, and a second
/// process with the same certificate and ring still decrypts what the first protected; without it they are stored plain.
/// </summary>
public sealed class KeyRingEncryptionTests : IDisposable
{
    private const string Password = "ring-test-password";
    private readonly string pfx = Path.Combine(Path.GetTempPath(), $"sg-keyring-{Guid.NewGuid():N}.pfx");

    public KeyRingEncryptionTests()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=shipment-grid key ring", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, Password));
    }

    public void Dispose() => File.Delete(pfx);

    [Fact]
    public void With_a_certificate_the_stored_keys_are_encrypted_and_another_process_with_it_still_decrypts()
    {
        var ring = new InMemoryKeyRing();
        var protectedSecret = Protector(ring, withCertificate: true).Protect("whsec_the-signing-secret");

        var stored = Assert.Single(ring.GetAllElements()).ToString();
        Assert.Contains("encryptedSecret", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("<value>", stored, StringComparison.Ordinal);
        Assert.Equal("whsec_the-signing-secret", Protector(ring, withCertificate: true).Unprotect(protectedSecret));
    }

    [Fact]
    public void Without_a_certificate_the_keys_are_stored_as_data_protection_writes_them()
    {
        var ring = new InMemoryKeyRing();
        Protector(ring, withCertificate: false).Protect("whsec_the-signing-secret");

        var stored = Assert.Single(ring.GetAllElements()).ToString();
        Assert.Contains("<value>", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("encryptedSecret", stored, StringComparison.Ordinal);
    }

    /// <summary>A process's protector over the shared <paramref name="ring"/>, composed as the grid composes it.</summary>
    private IDataProtector Protector(InMemoryKeyRing ring, bool withCertificate)
    {
        var settings = new Dictionary<string, string?>();
        if (withCertificate)
        {
            settings["Webhooks:KeyRingCertificatePath"] = pfx;
            settings["Webhooks:KeyRingCertificatePassword"] = Password;
        }

        var services = new ServiceCollection().AddLogging().AddSingleton<IXmlRepository>(ring);
        services.AddGridWebhooks(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("webhook-secrets-test");
    }
}
