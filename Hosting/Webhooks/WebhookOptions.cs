namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Hosts a subscription may target although they resolve to a private, loopback or link-local address, and may use
    /// plain http (an in-house CRM, the tests' receiver). Empty by default: only public https targets.
    /// </summary>
    public List<string> AllowedHosts { get; } = [];

    /// <summary>
    /// A PKCS#12 file (.pfx) whose certificate encrypts the Data Protection keys at rest in the key ring (PostgreSQL's
    /// <c>data_protection_key</c>); every process needs the same file. Unset, the keys are stored as ASP.NET Core writes
    /// them without an encryptor (readable by whoever reads that table) and the grid warns at start.
    /// </summary>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>The password of <see cref="KeyRingCertificatePath"/>, if it has one.</summary>
    public string? KeyRingCertificatePassword { get; set; }

    /// <summary>How long a rotated-out secret keeps signing alongside the new one.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The first retry's delay; each next one doubles, up to <see cref="RetryMaxDelay"/>, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Attempts of one delivery before it is given up (about three days at the defaults); redelivery starts over.</summary>
    public int MaxAttempts { get; set; } = 16;

    /// <summary>Failed attempts in a row, across the subscription's deliveries, that disable it.</summary>
    public int DisableAfterFailures { get; set; } = 20;

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the dispatcher looks for new notifications and due retries when it found none.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long settled deliveries and the delivery log are kept (redelivery needs only the notification).</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often the retention runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Deliveries claimed and sent concurrently per round.</summary>
    public int BatchSize { get; set; } = 32;
}
