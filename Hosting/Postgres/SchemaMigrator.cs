using Microsoft.Extensions.Logging;

namespace ShipmentGrid.Hosting.Postgres;

public sealed class SchemaMigrator(PostgresSettings settings, ILogger<SchemaMigrator> logger)
{
    public Task<string> MigrateAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("placeholder {Schema}", settings.Schema);
        return Task.FromResult(settings.Schema);
    }
}
