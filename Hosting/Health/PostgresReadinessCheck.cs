using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ShipmentGrid.Hosting.Health;

/// <summary>Ready when PostgreSQL answers a query; the server's error (host, role, database names) is logged, not answered.</summary>
internal sealed partial class PostgresReadinessCheck(NpgsqlDataSource dataSource, ILogger<PostgresReadinessCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL reachable");
        }
        catch (NpgsqlException exception)
        {
            LogNotReachable(logger, exception);
            return HealthCheckResult.Unhealthy("PostgreSQL not reachable");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: PostgreSQL is not reachable")]
    private static partial void LogNotReachable(ILogger logger, Exception exception);
}
