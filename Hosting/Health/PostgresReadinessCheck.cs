using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using ShipmentGrid.Hosting.Postgres;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// Ready when PostgreSQL answers a query: the primary, and on a silo every extra journal server too (its partitions take
/// no appends without it). The server's error (host, role, database names) is logged, not answered.
/// </summary>
internal sealed partial class PostgresReadinessCheck(NpgsqlDataSource dataSource, IServiceProvider services, ILogger<PostgresReadinessCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var journal = services.GetService<JournalServers>();
        var servers = journal is null ? [dataSource] : Enumerable.Range(0, journal.Count).Select(server => journal[server]).ToArray();
        for (var server = 0; server < servers.Length; server++)
        {
            try
            {
                await using var command = servers[server].CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
            }
            catch (NpgsqlException exception)
            {
                LogNotReachable(logger, exception, server);
                return HealthCheckResult.Unhealthy(server == 0 ? "PostgreSQL not reachable" : $"PostgreSQL journal server {server} not reachable");
            }
        }

        return HealthCheckResult.Healthy(servers.Length == 1 ? "PostgreSQL reachable" : $"PostgreSQL reachable ({servers.Length} journal servers)");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: PostgreSQL server {Server} is not reachable (0 is the primary, others journal servers)")]
    private static partial void LogNotReachable(ILogger logger, Exception exception, int server);
}
