using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// An Orleans client (the API in PostgreSQL mode) is ready while it holds a connection to at least one gateway: one
/// silo of three dead or cut off leaves it serving through the others. With none, a call to the cluster makes the
/// client connect again; ready when that call is answered. Why it is not is logged, not answered.
/// </summary>
internal sealed partial class GatewayReadinessCheck(GatewayConnections connections, IGrainFactory grains, ILogger<GatewayReadinessCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (connections.Connected is var connected and > 0)
        {
            return HealthCheckResult.Healthy(Describe(connected));
        }

        try
        {
            await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken: cancellationToken).WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy(Describe(Math.Max(1, connections.Connected)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotReachable(logger, exception);
            return HealthCheckResult.Unhealthy("no gateway connected");
        }
    }

    private static string Describe(int connected) => $"{connected} gateway(s) connected";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: no gateway of the cluster is reachable")]
    private static partial void LogNotReachable(ILogger logger, Exception exception);
}
