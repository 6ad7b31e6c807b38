using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Hosting.Webhooks;

public static class WebhookComposition
{
    /// <summary>The application name every process shares, so one key ring decrypts what any of them encrypted.</summary>
    public const string DataProtectionApplication = "shipment-grid";

    /// <summary>
    /// Webhook subscriptions, their outbox's dispatcher and retention, and Data Protection on the key ring of the mode: PostgreSQL when the PostgreSQL services
    /// registered theirs first (<see cref="IXmlRepository"/>, <see cref="IWebhookSubscriptions"/>, <see cref="IWebhookDeliveries"/>), memory otherwise.
    /// </summary>
    public static IServiceCollection AddGridWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(options => options.RetentionDays > 0 && options.RetentionInterval > TimeSpan.Zero, "Webhooks:RetentionDays and Webhooks:RetentionInterval must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<IWebhookSubscriptions, InMemoryWebhookSubscriptions>();
        services.TryAddSingleton<IXmlRepository, InMemoryKeyRing>();
        var dataProtection = services.AddDataProtection().SetApplicationName(DataProtectionApplication);
        if (KeyRingCertificate(configuration) is { } certificate)
        {
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        services.AddOptions<KeyManagementOptions>().Configure<IXmlRepository>((options, keyRing) => options.XmlRepository = keyRing);
        services.TryAddSingleton<WebhookSecrets>();
        services.TryAddSingleton<WebhookTargets>();
        services.TryAddSingleton<IWebhookDeliveries, InMemoryWebhookDeliveries>();
        services.AddWebhookHttpClient();
        services.AddGridMetrics();
        services.TryAddSingleton<WebhookDispatchStatus>();
        services.AddDegradingCheck<WebhookDispatchCheck>("webhook-dispatch");
        services.AddHostedService<WebhookDispatcher>();
        services.AddHostedService<WebhookRetention>();
        return services;
    }

    /// <summary>The certificate that encrypts the key ring at rest, or null when none is configured.</summary>
    private static X509Certificate2? KeyRingCertificate(IConfiguration configuration)
    {
        var section = configuration.GetSection(WebhookOptions.Section);
        var path = section[nameof(WebhookOptions.KeyRingCertificatePath)];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, section[nameof(WebhookOptions.KeyRingCertificatePassword)]);
        return certificate.HasPrivateKey
            ? certificate
            : throw new InvalidOperationException($"{WebhookOptions.Section}:{nameof(WebhookOptions.KeyRingCertificatePath)} must hold the certificate's private key.");
    }
}
