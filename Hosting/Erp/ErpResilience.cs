using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Polly;
using Polly.CircuitBreaker;
using ShipmentGrid.Billing;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Hosting.Erp;

/// <summary>
/// Chooses the silo's <see cref="IErpGateway"/> for <c>Erp:Mode</c> Http, and the resilience of its calls: Microsoft's
/// standard pipeline (total timeout, retry with exponential backoff and jitter, circuit breaker, attempt timeout) with
/// the grid's defaults below, each overridable under <c>Erp:Resilience</c>.
/// </summary>
public static class ErpResilience
{
    public const string Section = "Erp:Resilience";

    /// <summary>
    /// The grid's defaults. A whole call (every retry) stays under Orleans' 30 s response timeout, since the invoice
    /// waits for it in its turn; past that the invoice's own backoff (minutes) takes over. The breaker opens when half
    /// of at least 10 calls in 30 s fail, and lets a probe through after 15 s.
    /// </summary>
    public static void ApplyDefaults(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(20);
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
        options.Retry.MaxRetryAttempts = 3;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 10;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(15);
    }

    private static ValueTask Record(ErpCircuit circuit, CircuitState state)
    {
        circuit.Record(state);
        return ValueTask.CompletedTask;
    }

    /// <summary>The HTTP gateway, its throttle and its named client; the caller has checked the mode.</summary>
    public static IServiceCollection AddHttpErpGateway(this IServiceCollection services, ErpOptions erp, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(erp);
        services.AddSingleton(erp);
        services.AddSingleton<ErpThrottle>();
        services.AddGridMetrics();
        services.TryAddSingleton<ErpCircuit>();
        services.AddHttpClient(HttpErpGateway.ClientName, client =>
            {
                client.BaseAddress = erp.BaseAddress;

                // The resilience handler's total timeout bounds a call; HttpClient's own would cut its retries short.
                client.Timeout = Timeout.InfiniteTimeSpan;
                if (!string.IsNullOrEmpty(erp.ApiKey))
                {
                    client.DefaultRequestHeaders.Authorization = new(erp.AuthorizationScheme, erp.ApiKey);
                }
            })
            .AddStandardResilienceHandler()
            .Configure(ApplyDefaults)
            .Configure((options, provider) =>
            {
                // The breaker's transitions, for the health check and the circuit gauge.
                var circuit = provider.GetRequiredService<ErpCircuit>();
                options.CircuitBreaker.OnOpened = _ => Record(circuit, CircuitState.Open);
                options.CircuitBreaker.OnHalfOpened = _ => Record(circuit, CircuitState.HalfOpen);
                options.CircuitBreaker.OnClosed = _ => Record(circuit, CircuitState.Closed);
            })
            .Configure(options =>
            {
                // Overrides only when configured: binding a missing section is refused by the resilience builder, and
                // the defaults above are the ones a newcomer runs with.
                var overrides = configuration.GetSection(Section);
                if (overrides.Exists())
                {
                    overrides.Bind(options);
                }
            });
        services.AddSingleton<HttpErpGateway>();
        services.AddSingleton<IErpGateway>(provider => provider.GetRequiredService<HttpErpGateway>());
        return services;
    }
}
