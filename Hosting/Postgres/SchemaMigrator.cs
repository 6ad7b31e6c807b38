using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// Brings the configured schema up to the latest migration shipped in this binary. Safe to run from every
/// silo at start-up: an advisory lock serialises concurrent runs, and a run with nothing to do changes nothing.
/// </summary>
public sealed class SchemaMigrator(PostgresSettings settings, ILogger<SchemaMigrator> logger)
{
    // First half of the two-part advisory lock key; the second half is the schema name's hash, so
    // migrations of different schemas in one database do not wait for each other.
    private const int MigrationLockClass = 0x53474D31;

    public async Task<MigrationOutcome> MigrateAsync(CancellationToken cancellationToken)
    {
        var scripts = MigrationScript.LoadEmbedded();

        // The provider connection string carries search_path = schema, so the unqualified objects in the
        // scripts land in the configured schema.
        await using var connection = new NpgsqlConnection(settings.ProviderConnectionString);
        await connection.OpenAsync(cancellationToken);

        await ExecuteLockAsync(connection, "SELECT pg_advisory_lock(@class, hashtext(@schema))", cancellationToken);
        try
        {
            return await MigrateLockedAsync(connection, scripts, cancellationToken);
        }
        finally
        {
            // Session locks outlive a pooled connection's Close, so the lock is released explicitly.
            await ExecuteLockAsync(connection, "SELECT pg_advisory_unlock(@class, hashtext(@schema))", CancellationToken.None);
        }
    }

    private async Task<MigrationOutcome> MigrateLockedAsync(
        NpgsqlConnection connection, IReadOnlyList<MigrationScript> scripts, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{settings.Schema}\"", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var recorded = await ReadHistoryAsync(connection, cancellationToken);
        Verify(recorded, scripts);

        var applied = new List<int>();
        foreach (var script in scripts.Where(script => !recorded.ContainsKey(script.Version)))
        {
            await ApplyAsync(connection, script, cancellationToken);
            applied.Add(script.Version);
        }

        var currentVersion = scripts.Count == 0 ? 0 : scripts[^1].Version;
        if (applied.Count == 0)
        {
            logger.LogDebug("Schema {Schema} is up to date at version {Version}", settings.Schema, currentVersion);
        }

        return new MigrationOutcome(applied, currentVersion);
    }

    private async Task<Dictionary<int, string>> ReadHistoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var history = new Dictionary<int, string>();
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection))
        {
            exists.Parameters.AddWithValue("table", $"{settings.Schema}.schema_migration");
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return history;
            }
        }

        await using var read = new NpgsqlCommand("SELECT version, checksum FROM schema_migration", connection);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(reader.GetInt32(0), reader.GetString(1));
        }

        return history;
    }

    private void Verify(Dictionary<int, string> recorded, IReadOnlyList<MigrationScript> scripts)
    {
        var known = scripts.ToDictionary(script => script.Version);
        var latestKnown = scripts.Count == 0 ? 0 : scripts[^1].Version;

        var unknown = recorded.Keys.Where(version => !known.ContainsKey(version)).Order().ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Schema '{settings.Schema}' has migration version(s) {string.Join(", ", unknown)} applied, which this build does not know " +
                $"(it knows up to version {latestKnown}). The database is newer than this binary: deploy a build that contains those migrations.");
        }

        foreach (var (version, checksum) in recorded.OrderBy(entry => entry.Key))
        {
            var script = known[version];
            if (!string.Equals(checksum.Trim(), script.Checksum, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"Migration {version:D4}_{script.Name} in schema '{settings.Schema}' was applied with checksum {checksum.Trim()}, " +
                    $"but this build carries checksum {script.Checksum}. Applied migrations must not change: add a new migration instead.");
            }
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, MigrationScript script, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var apply = new NpgsqlCommand(script.Sql, connection, transaction))
        {
            await apply.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var record = new NpgsqlCommand(
            "INSERT INTO schema_migration (version, name, checksum) VALUES (@version, @name, @checksum)", connection, transaction))
        {
            record.Parameters.AddWithValue("version", script.Version);
            record.Parameters.AddWithValue("name", script.Name);
            record.Parameters.AddWithValue("checksum", script.Checksum);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation(
            "Applied migration {Version} {Name} to schema {Schema} in {ElapsedMs} ms",
            script.Version, script.Name, settings.Schema, stopwatch.ElapsedMilliseconds);
    }

    private async Task ExecuteLockAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("class", MigrationLockClass);
        command.Parameters.AddWithValue("schema", settings.Schema);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
