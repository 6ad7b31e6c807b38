using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// A silo (and the embedded API, which hosts one) is ready while the cluster's membership, as this silo knows it, has it
/// Active: it has joined and is not shutting down. No call leaves the process, so a dead or cut-off peer does not make
/// this silo unready.
/// </summary>
internal sealed class SiloReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(silo.SiloAddress);
        var active = snapshot.Members.Values.Count(member => member.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"this silo active, {active} active silo(s)")
            : HealthCheckResult.Unhealthy($"this silo {status.ToString().ToLowerInvariant()}"));
    }
}
