using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// Degraded while a journal reader this silo hosts lags by more than <see cref="HealthOptions.ReaderLagDegradedAfter"/>:
/// the grid still takes events (they are durable in the journal), its follow-up effects are late.
/// </summary>
internal sealed class JournalReadersCheck(JournalLagMetrics lags, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var limit = options.Value.ReaderLagDegradedAfter.TotalSeconds;
        var current = lags.Current;
        var behind = current.Where(lag => lag.Seconds > limit).ToList();
        return Task.FromResult(behind.Count == 0
            ? HealthCheckResult.Healthy($"{current.Count} reader(s) here, none behind")
            : HealthCheckResult.Degraded(
                $"{behind.Count} reader(s) behind, up to {Math.Round(behind.Max(lag => lag.Seconds)):0} s"));
    }
}
