using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// Where the system of record lives: the server, and the schema that holds every Shipment Grid object.
/// </summary>
public sealed partial record PostgresSettings(string ConnectionString, string Schema)
{
    /// <summary>ADO.NET invariant name the Orleans providers use to load Npgsql.</summary>
    public const string Invariant = "Npgsql";

    public const string DefaultSchema = "shipmentgrid";

    /// <summary>
    /// Connections per pool when the connection string sets none. A process has two pools (Orleans' providers and
    /// the grid's own data source), so a cluster of three silos and the API stays within PostgreSQL's default
    /// <c>max_connections</c> of 100; Npgsql's own default of 100 per pool let a busy cluster exhaust the server.
    /// Work beyond the pool waits for a connection instead of failing.
    /// </summary>
    public const int DefaultMaxPoolSize = 10;

    /// <summary>
    /// Statements each connection keeps prepared when the connection string sets no <c>Max Auto Prepare</c>: the grid and
    /// the Orleans providers run a few dozen statement texts over and over, and unprepared each one is parsed and planned
    /// on every execution. Preparing them took a fifth of PostgreSQL's CPU off the lifecycle benchmark (BENCHMARKS.md,
    /// "Prepared statements"). A statement is prepared on its second use on a connection.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 64;

    public string ConnectionString { get; } = ValidConnectionString(ConnectionString);

    public string Schema { get; } = ValidSchema(Schema);

    /// <summary>
    /// The connection string for the Orleans providers: their query text names no schema, so the
    /// search path is what points them at ours.
    /// </summary>
    public string ProviderConnectionString
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = Schema };
            if (!Sets(ConnectionString, "MaximumPoolSize", "MaxPoolSize"))
            {
                builder.MaxPoolSize = DefaultMaxPoolSize;
            }

            if (!Sets(ConnectionString, "MaxAutoPrepare"))
            {
                builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
                builder.AutoPrepareMinUsages = 2;
            }

            return builder.ConnectionString;
        }
    }

    /// <summary>
    /// Reads <c>ConnectionStrings:Postgres</c> and <c>Postgres:Schema</c>; null when no connection string is
    /// configured (development runs on in-memory providers).
    /// </summary>
    public static PostgresSettings? FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var schema = configuration["Postgres:Schema"];
        return new PostgresSettings(connectionString, string.IsNullOrWhiteSpace(schema) ? DefaultSchema : schema);
    }

    /// <summary>Whether the connection string sets one of <paramref name="keys"/> (spelled without spaces, any case).</summary>
    private static bool Sets(string connectionString, params string[] keys) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(key => key.Replace(" ", string.Empty, StringComparison.Ordinal))
            .Any(key => keys.Contains(key, StringComparer.OrdinalIgnoreCase));

    private static string ValidConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return connectionString;
    }

    // A plain identifier never needs quoting or case folding, so it means the same in DDL, in
    // search_path and in the catalog; pg_ names are reserved for the server's own schemas.
    private static string ValidSchema(string schema)
    {
        if (schema is null || !PlainIdentifier().IsMatch(schema) || schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Postgres:Schema '{schema}' must be a plain lower-case identifier: a-z, 0-9 and _, starting with a letter or _, at most 63 characters, not starting with pg_.",
                nameof(schema));
        }

        return schema;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainIdentifier();
}
