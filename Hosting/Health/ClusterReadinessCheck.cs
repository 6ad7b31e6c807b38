using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// Ready when a call through this process's cluster client reaches the management grain and the cluster has an
/// active silo: true for a silo that has joined and for a client connected to a gateway alike. Why it is not is logged,
/// not answered.
/// </summary>
internal sealed partial class ClusterReadinessCheck(IClusterClient client, ILogger<ClusterReadinessCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken: cancellationToken)
                .WaitAsync(Timeout, cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotReachable(logger, exception);
            return HealthCheckResult.Unhealthy("cluster not reachable");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: the cluster is not reachable")]
    private static partial void LogNotReachable(ILogger logger, Exception exception);
}
