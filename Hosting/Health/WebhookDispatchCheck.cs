using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShipmentGrid.Hosting.Webhooks;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// Degraded while this process's webhook rounds fail (the outbox cannot be read or settled): notifications stay in the
/// outbox and go out once a round succeeds. A subscriber that fails is its own subscription's matter, not the grid's health.
/// </summary>
internal sealed class WebhookDispatchCheck(WebhookDispatchStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.FailedRoundsInARow is var failed and > 0
            ? HealthCheckResult.Degraded($"webhook dispatch failing, {failed} round(s) in a row")
            : HealthCheckResult.Healthy("webhook dispatch running"));
}
