namespace ShipmentGrid.Api.Access;

/// <summary>Configuration section <c>Auth</c>: the bootstrap key, how long a key lookup is trusted, and per-key rate limits.</summary>
internal sealed class AccessOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// An admin key accepted in every mode without a row in the key store, so scripts and first runs need not read
    /// the log (at least 32 characters). Mint real keys and unset it in production.
    /// </summary>
    public string? BootstrapKey { get; set; }

    /// <summary>How long an API process trusts a key it looked up: the most a revocation takes to reach every API process.</summary>
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the embedded grid mints an admin key at start and prints it once.</summary>
    public bool PrintEmbeddedAdminKey { get; set; } = true;

    /// <summary>Requests per second each key may send (a token bucket holding two seconds' worth).</summary>
    public int RequestsPerSecond { get; set; } = 1_000;

    /// <summary>Batched items (carrier events, bookings in a batch) per second each key may send (a token bucket holding two seconds' worth).</summary>
    public int EventsPerSecond { get; set; } = 20_000;

    /// <summary>How long a browser session lasts without use.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);
}
