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
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c>. Ready fails (503) only for what stops this process
/// from serving: PostgreSQL unreachable, or no place in the cluster (a silo not Active, an API without a connected
/// gateway). What only slows the grid down (a journal reader behind, the ERP circuit open, webhook rounds failing) is
/// reported as Degraded in the body with a 200, so a load balancer keeps the process. The body is the status and, per
/// check, its status and the check's own short, fixed description; what an exception said (PostgreSQL's or Orleans'
/// message, host names, SQL) goes to the log only, never into the body.
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
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section));

        // A process that hosts a silo answers from its own membership view, a client from its gateway connections.
        var checks = services.AddHealthChecks()
            .Add(new HealthCheckRegistration(
                "orleans-cluster",
                provider => provider.GetService<ILocalSiloDetails>() is null
                    ? ActivatorUtilities.CreateInstance<GatewayReadinessCheck>(provider)
                    : ActivatorUtilities.CreateInstance<SiloReadinessCheck>(provider),
                HealthStatus.Unhealthy,
                [ReadyTag]));
        if (PostgresSettings.FromConfiguration(configuration) is not null)
        {
            checks.AddCheck<PostgresReadinessCheck>("postgres", tags: [ReadyTag]);
        }

        return services;
    }

    /// <summary>
    /// A check of something that slows the grid down without stopping this process: listed with the readiness checks but
    /// never worse than Degraded, also when it throws.
    /// </summary>
    public static IServiceCollection AddDegradingCheck<TCheck>(this IServiceCollection services, string name)
        where TCheck : class, IHealthCheck
    {
        services.AddHealthChecks().AddCheck<TCheck>(name, HealthStatus.Degraded, [ReadyTag]);
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

    /// <summary><c>{"status":"Degraded","checks":{"orleans-cluster":{"status":"Healthy","description":"2 gateway(s) connected"},"webhook-dispatch":{...}}}</c>.</summary>
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
