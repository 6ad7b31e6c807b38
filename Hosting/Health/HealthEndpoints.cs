using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Hosting.Postgres;

namespace ShipmentGrid.Hosting.Health;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (joined to the cluster, database reachable).</summary>
public static class HealthEndpoints
{
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
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
        }).AllowAnonymous();
        return endpoints;
    }
}
