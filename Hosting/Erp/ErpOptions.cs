using Microsoft.Extensions.Configuration;

namespace ShipmentGrid.Hosting.Erp;

/// <summary>Which ERP the silos post to: the built-in receivables ledger, or a remote ERP over HTTP.</summary>
public enum ErpMode
{
    Ledger,
    Http,
}

/// <summary>
/// The <c>Erp</c> configuration section. The resilience of the HTTP calls (retry, circuit breaker, timeouts) is
/// <c>Erp:Resilience</c>, bound to Microsoft's <c>HttpStandardResilienceOptions</c> over the grid's defaults
/// (<see cref="ErpResilience"/>).
/// </summary>
public sealed record ErpOptions
{
    public const string Section = "Erp";

    public ErpMode Mode { get; init; } = ErpMode.Ledger;

    /// <summary>The ERP's base address; the contract's paths (<c>invoices/...</c>, <c>payments/...</c>) are relative to it.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The credential sent as <c>Authorization: {AuthorizationScheme} {ApiKey}</c>; none when unset.</summary>
    public string? ApiKey { get; init; }

    public string AuthorizationScheme { get; init; } = "Bearer";

    public ErpThrottleOptions Throttle { get; init; } = new();

    public static ErpOptions FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ErpOptions>() ?? new ErpOptions();
        if (options.Mode == ErpMode.Http)
        {
            if (options.BaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new InvalidOperationException("Erp:Mode Http needs Erp:BaseUrl, an absolute http or https address.");
            }

            options.Throttle.Validate();
        }

        return options;
    }

    /// <summary>The base address ending in a slash, so relative paths land below it rather than replace its last segment.</summary>
    internal Uri BaseAddress
    {
        get
        {
            var url = BaseUrl ?? throw new InvalidOperationException("Erp:BaseUrl is not set.");
            return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        }
    }
}

/// <summary>
/// <c>Erp:Throttle</c>: the budget of ERP calls for the whole cluster. Each silo takes its share (the totals divided
/// by the active silos, see <see cref="ErpThrottle"/>).
/// </summary>
public sealed record ErpThrottleOptions
{
    /// <summary>Calls in flight at once, cluster-wide.</summary>
    public int MaxConcurrentCalls { get; init; } = 16;

    /// <summary>Calls started per second, cluster-wide.</summary>
    public double CallsPerSecond { get; init; } = 50;

    /// <summary>Calls a silo lets wait for a slot; past it a call fails at once and its invoice retries later.</summary>
    public int QueueLimit { get; init; } = 1000;

    /// <summary>How long a call waits for a slot before it gives up and its invoice retries later.</summary>
    public TimeSpan MaxQueueWait { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (MaxConcurrentCalls < 1 || CallsPerSecond <= 0 || QueueLimit < 0 || MaxQueueWait <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                "Erp:Throttle needs MaxConcurrentCalls >= 1, CallsPerSecond > 0, QueueLimit >= 0 and a positive MaxQueueWait.");
        }
    }
}
