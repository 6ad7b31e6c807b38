using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShipmentGrid.Hosting.Postgres;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (joined to the cluster, database reachable). The body
/// is the status and, per check, its status and the check's own short, fixed description; what an exception said
/// (PostgreSQL's or Orleans' message, host names, SQL) goes to the log only, never into the body.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Said of a check that threw instead of answering: its message stays in the log.</summary>
    public const string CheckFailed = "The check failed; see the log.";

    /// <summary>Answers while the process runs: what a liveness probe calls.</summary>
    public const string LivePath = "/health/live";

    /// <summary>Answers 200 once the process reaches the cluster (and PostgreSQL in that mode): what a readiness probe calls.</summary>
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddShipmentGridHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<ClusterReadinessCheck>("orleans-cluster", tags: [ReadyTag]);
        if (PostgresSettings.FromConfiguration(configuration) is not null)
        {
            checks.AddCheck<PostgresReadinessCheck>("postgres", tags: [ReadyTag]);
        }

        return services;
    }

    public static IEndpointRouteBuilder MapShipmentGridHealth(this IEndpointRouteBuilder endpoints)
    {
        // Probes carry no key: health is public wherever the API requires one.
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteAsync,
        }).AllowAnonymous();
        return endpoints;
    }

    /// <summary><c>{"status":"Healthy","checks":{"orleans-cluster":{"status":"Healthy","description":"2 active silo(s)"}}}</c>.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = Describe(entry.Value) },
                StringComparer.Ordinal),
        }));
    }

    // The checks below attach no exception to what they answer; one that does (or that throws, whose description the
    // health service fills from the exception's message) gets the fixed text.
    private static string? Describe(HealthReportEntry entry) => entry.Exception is null ? entry.Description : CheckFailed;
}
