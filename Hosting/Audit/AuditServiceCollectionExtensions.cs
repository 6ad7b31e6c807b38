using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ShipmentGrid.Hosting.Postgres;

namespace ShipmentGrid.Hosting.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// The audit log of an API process: in memory in the embedded default, <c>audit_entry</c> in PostgreSQL mode (through
    /// the process's one <see cref="NpgsqlDataSource"/>, which the Orleans client's hosting registers), with its group-commit
    /// writer and retention, options from the <c>Audit</c> section validated at start.
    /// </summary>
    public static IServiceCollection AddShipmentGridAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.Section))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        if (PostgresSettings.FromConfiguration(configuration) is null)
        {
            services.AddSingleton<IAuditLog>(new InMemoryAuditLog());
        }
        else
        {
            services.AddSingleton<IAuditLog>(provider => new PostgresAuditLog(provider.GetRequiredService<NpgsqlDataSource>()));
        }

        services.AddSingleton<AuditWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditWriter>());
        services.AddHostedService<AuditRetention>();
        return services;
    }
}
