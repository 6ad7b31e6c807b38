using ShipmentGrid.Hosting.Access;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Hosting.Process;

// A standalone silo. `dotnet run --project Silo -- migrate` applies the PostgreSQL migrations and exits;
// with Postgres:MigrateOnStartup=true the silo applies them itself before joining the cluster. Both migrate the
// primary and every extra journal server of Journal:Servers (the whole schema on each).
// `dotnet run --project Silo -- mint-key --partner NAME --roles admin` mints an API key into PostgreSQL and prints it once.
var builder = GridHost.CreateBuilder(args, defaultUrls: "http://localhost:8081");
builder.AddShipmentGridObservability("shipment-grid-silo");
var postgres = PostgresSettings.FromConfiguration(builder.Configuration);
var migrateOnly = args.Contains("migrate", StringComparer.OrdinalIgnoreCase);
var mintKey = args.Length > 0 && string.Equals(args[0], MintKeyCommand.Verb, StringComparison.OrdinalIgnoreCase);
if (postgres is not null)
{
    builder.Services.AddSingleton(postgres);
}
else if (migrateOnly || mintKey)
{
    Console.Error.WriteLine($"{(mintKey ? MintKeyCommand.Verb : "migrate")} needs ConnectionStrings:Postgres (env ConnectionStrings__Postgres).");
    return 2;
}

if (mintKey)
{
    await using var dataSource = Npgsql.NpgsqlDataSource.Create(postgres!.ProviderConnectionString);
    return await MintKeyCommand.RunAsync(args[1..], new PostgresApiKeyStore(dataSource), TimeProvider.System, Console.Out, Console.Error);
}

if (migrateOnly)
{
    await using var migrationHost = builder.Build();
    var logger = migrationHost.Services.GetRequiredService<ILogger<SchemaMigrator>>();
    foreach (var server in JournalServers.AllFromConfiguration(builder.Configuration, postgres!))
    {
        var outcome = await new SchemaMigrator(server, logger).MigrateAsync(CancellationToken.None);
        var where = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString);
        logger.LogInformation(
            "Schema {Schema} on {Host}/{Database} is at version {Version}; this run applied {AppliedCount} migration(s)",
            server.Schema,
            where.Host,
            where.Database,
            outcome.CurrentVersion,
            outcome.AppliedVersions.Count);
    }

    return 0;
}

builder.UseOrleans(silo => silo.UseShipmentGridSilo(builder.Configuration));
builder.Services.AddShipmentGridHealth(builder.Configuration);

var app = builder.Build();
if (postgres is not null && app.Configuration.GetValue("Postgres:MigrateOnStartup", false))
{
    var logger = app.Services.GetRequiredService<ILogger<SchemaMigrator>>();
    foreach (var server in JournalServers.AllFromConfiguration(app.Configuration, postgres))
    {
        await new SchemaMigrator(server, logger).MigrateAsync(app.Lifetime.ApplicationStopping);
    }
}

app.MapShipmentGridHealth();
app.MapShipmentGridMetrics();
return await app.RunBoundedAsync();
