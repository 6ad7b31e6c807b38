using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Audit;

/// <summary>
/// The audit-log contract on PostgreSQL, and the database's own refusal to change or empty the log. The tests share one
/// migrated database, emptied before each test with DELETE (the one removal the log allows).
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class PostgresAuditLogTests(PostgresServer server) : AuditLogContract
{
    private static readonly ConditionalWeakTable<PostgresServer, Task<PostgresSettings>> Databases = [];

    private NpgsqlDataSource dataSource = null!;

    [Theory]
    [InlineData("UPDATE audit_entry SET status = 200")]
    [InlineData("TRUNCATE audit_entry")]
    public async Task The_database_refuses_to_change_or_empty_the_log(string statement)
    {
        await Log.AppendAsync([Entry("kept", T0, status: 403)], default);

        await using var command = dataSource.CreateCommand(statement);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(
            [("kept", 403)],
            (await Log.ListAsync(new AuditQuery(), PageRequest.First(), default)).Items.Select(entry => (entry.Id, entry.Status)));
    }

    protected override async Task<IAuditLog> CreateLogAsync()
    {
        var settings = await Databases.GetValue(server, MigratedDatabaseAsync);
        await Sql.ExecuteAsync(settings.ProviderConnectionString, "DELETE FROM audit_entry");
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        return new PostgresAuditLog(dataSource);
    }

    protected override async Task DisposeLogAsync() => await dataSource.DisposeAsync();

    private static async Task<PostgresSettings> MigratedDatabaseAsync(PostgresServer server)
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("audit"), "grid_audit");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return settings;
    }
}
