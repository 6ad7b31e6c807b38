using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ShipmentGrid.Hosting.Postgres;

public sealed record PostgresSettings(string ConnectionString, string Schema)
{
    public const string Invariant = "Npgsql";

    public string ProviderConnectionString =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = Schema }.ConnectionString;

    public static PostgresSettings? FromConfiguration(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        return string.IsNullOrWhiteSpace(connectionString)
            ? null
            : new PostgresSettings(connectionString, configuration["Postgres:Schema"] ?? "shipmentgrid");
    }
}
