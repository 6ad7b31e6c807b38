using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Postgres;

[Collection(SharedPostgres.Name)]
public sealed class SchemaMigratorTests(PostgresServer server)
{
    // The versions the repository's migration files declare: every one must be applied, whatever gets added later.
    private static readonly int[] AllVersions = Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "Hosting", "Migrations"), "*.sql")
        .Select(path => int.Parse(Path.GetFileName(path).Split('_')[0], System.Globalization.CultureInfo.InvariantCulture))
        .Order()
        .ToArray();

    // Every key Orleans 10.4.2's ADO.NET clustering, grain storage and reminders read (the stream provider's keys went
    // with the provider in migration 0009);
    // the cleanup keys and DeleteStorageKey are optional for the providers, provided so every feature works.
    private static readonly string[] ProviderQueryKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Migrate_on_empty_database_applies_every_migration_and_records_it()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("migrate_empty"), PostgresSettings.DefaultSchema);

        var outcome = await Migrator(settings).MigrateAsync(CancellationToken.None);

        Assert.Equal(AllVersions, outcome.AppliedVersions);
        Assert.Equal(AllVersions[^1], outcome.CurrentVersion);
        var history = await QueryAsync(settings, "SELECT version, length(checksum) FROM schema_migration ORDER BY version",
            reader => (reader.GetInt32(0), reader.GetInt32(1)));
        Assert.Equal(AllVersions.Select(version => (version, 64)), history);
        var keys = await QueryAsync(settings, "SELECT QueryKey FROM OrleansQuery", reader => reader.GetString(0));
        Assert.Equal(ProviderQueryKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Second_run_applies_nothing()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("migrate_twice"), PostgresSettings.DefaultSchema);
        await Migrator(settings).MigrateAsync(CancellationToken.None);

        var second = await Migrator(settings).MigrateAsync(CancellationToken.None);

        Assert.Empty(second.AppliedVersions);
        Assert.Equal(AllVersions[^1], second.CurrentVersion);
        Assert.Equal([AllVersions.Length], await QueryAsync(settings, "SELECT count(*)::int FROM schema_migration", reader => reader.GetInt32(0)));
    }

    [Fact]
    public async Task Silos_starting_together_apply_each_migration_once()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("migrate_race"), PostgresSettings.DefaultSchema);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Migrator(settings).MigrateAsync(CancellationToken.None)));

        Assert.Equal(AllVersions, outcomes.SelectMany(outcome => outcome.AppliedVersions).Order());
        Assert.All(outcomes, outcome => Assert.Equal(AllVersions[^1], outcome.CurrentVersion));
    }

    [Fact]
    public async Task Database_newer_than_the_binary_fails_clearly()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("migrate_newer"), PostgresSettings.DefaultSchema);
        await Migrator(settings).MigrateAsync(CancellationToken.None);
        await ExecuteAsync(settings, "INSERT INTO schema_migration (version, name, checksum) VALUES (9999, 'from_the_future', repeat('0', 64))");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(settings).MigrateAsync(CancellationToken.None));

        Assert.Contains("9999", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer than this binary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_migration_checksum_fails_clearly()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("migrate_checksum"), PostgresSettings.DefaultSchema);
        await Migrator(settings).MigrateAsync(CancellationToken.None);
        await ExecuteAsync(settings, "UPDATE schema_migration SET checksum = repeat('f', 64) WHERE version = 2");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(settings).MigrateAsync(CancellationToken.None));

        Assert.Contains("0002_cluster_membership", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Custom_schema_holds_every_object_and_public_stays_empty()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("migrate_custom"), "grid_custom");

        await Migrator(settings).MigrateAsync(CancellationToken.None);

        var tables = await QueryAsync(settings,
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('public', 'grid_custom') ORDER BY 1",
            reader => reader.GetString(0));
        Assert.Equal(
            [
                "grid_custom.api_key", "grid_custom.audit_entry", "grid_custom.carrier_dead_letter", "grid_custom.crm_notification", "grid_custom.customer_shipment", "grid_custom.data_protection_key",
                "grid_custom.edi_interchange",
                "grid_custom.erp_invoice", "grid_custom.erp_invoice_line", "grid_custom.erp_receivable_entry",
                "grid_custom.event_journal", "grid_custom.exception_item", "grid_custom.grain_state", "grid_custom.journal_checkpoint",
                "grid_custom.journal_dead_letter", "grid_custom.journal_layout", "grid_custom.journal_partitioning", "grid_custom.journal_snapshot", "grid_custom.journal_writer", "grid_custom.kpi_bucket",
                "grid_custom.membership_entry",
                "grid_custom.membership_silo", "grid_custom.membership_version", "grid_custom.orleansquery",
                "grid_custom.queued_event_outcome", "grid_custom.reminder", "grid_custom.reminder_entry",
                "grid_custom.schema_migration", "grid_custom.service_case", "grid_custom.service_case_entry", "grid_custom.shipment_reference",
                "grid_custom.webhook_delivery", "grid_custom.webhook_delivery_attempt", "grid_custom.webhook_subscription",
            ],
            tables);
        var defaultSchemaExists = await QueryAsync(settings,
            "SELECT count(*)::int FROM pg_namespace WHERE nspname = 'shipmentgrid'", reader => reader.GetInt32(0));
        Assert.Equal([0], defaultSchemaExists);
    }

    [Fact]
    public async Task Grain_state_identity_rejects_a_duplicate_row()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("grain_identity"), PostgresSettings.DefaultSchema);
        await Migrator(settings).MigrateAsync(CancellationToken.None);
        const string insert = """
            INSERT INTO grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension, payload, version)
            VALUES ('grid', 'counter', 42, 0, '', '\x01', 1)
            """;
        await ExecuteAsync(settings, insert);

        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(settings, insert));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        Assert.Equal("grain_state_identity", duplicate.ConstraintName);
    }

    [Fact]
    public async Task Grain_state_without_key_extension_is_upgraded_in_place_and_found_by_the_provider_query()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("grain_upgrade"), PostgresSettings.DefaultSchema);
        await ApplyUpToAsync(settings, version: 7);
        await ExecuteAsync(settings, """
            INSERT INTO grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension, payload, version) VALUES
                ('grid', 'counter', 42, 0, NULL, '\x01', 3),
                ('grid', 'shipment', 0, 0, 'S-1', '\x02', 5)
            """);

        var outcome = await Migrator(settings).MigrateAsync(CancellationToken.None);

        Assert.Equal(AllVersions.Where(version => version > 7), outcome.AppliedVersions);
        var read = (await QueryAsync(settings, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'ReadFromStorageKey'", reader => reader.GetString(0)))[0];
        var counter = await Sql.QueryAsync(
            settings.ProviderConnectionString,
            read.Replace("@ServiceId", "'grid'", StringComparison.Ordinal).Replace("@GrainTypeString", "'counter'", StringComparison.Ordinal)
                .Replace("@GrainIdN0", "42", StringComparison.Ordinal).Replace("@GrainIdN1", "0", StringComparison.Ordinal)
                .Replace("@GrainIdExtensionString", "NULL", StringComparison.Ordinal),
            reader => reader.GetInt32(1));
        Assert.Equal([3], counter);
        Assert.Equal(
            [("counter", ""), ("shipment", "S-1")],
            await QueryAsync(settings, "SELECT grain_type, key_extension FROM grain_state ORDER BY grain_type", reader => (reader.GetString(0), reader.GetString(1))));
    }

    // Applies the shipped migrations up to a version and records them as the migrator does, so a later run of
    // the migrator upgrades a database that already holds data.
    private static async Task ApplyUpToAsync(PostgresSettings settings, int version)
    {
        await ExecuteAsync(settings, $"CREATE SCHEMA {settings.Schema}");
        foreach (var script in MigrationScript.LoadEmbedded().Where(script => script.Version <= version))
        {
            await ExecuteAsync(settings, script.Sql);
            await ExecuteAsync(settings,
                $"INSERT INTO schema_migration (version, name, checksum) VALUES ({script.Version}, '{script.Name}', '{script.Checksum}')");
        }
    }

    private static SchemaMigrator Migrator(PostgresSettings settings) => new(settings, NullLogger<SchemaMigrator>.Instance);

    private static Task ExecuteAsync(PostgresSettings settings, string sql) =>
        Sql.ExecuteAsync(settings.ProviderConnectionString, sql);

    private static Task<List<T>> QueryAsync<T>(PostgresSettings settings, string sql, Func<NpgsqlDataReader, T> map) =>
        Sql.QueryAsync(settings.ProviderConnectionString, sql, map);
}
