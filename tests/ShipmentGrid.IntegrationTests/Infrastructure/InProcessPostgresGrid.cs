using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Trace;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Postgres;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>
/// The grid in PostgreSQL mode inside the test process: a silo built with the Silo process's <c>UseShipmentGridSilo</c>
/// (without its HTTP endpoints) and the API as an Orleans client of it, on a freshly migrated database. The API's tracer provider also exports every
/// span it records into <see cref="Spans"/>; one provider sees the silo's spans too, since both live in this process.
/// </summary>
public sealed class InProcessPostgresGrid : IAsyncDisposable
{
    private readonly IHost silo;
    private readonly ApiFactory api;

    private InProcessPostgresGrid(IHost silo, ApiFactory api)
    {
        this.silo = silo;
        this.api = api;
    }

    public CapturedSpans Spans => api.Spans;

    /// <summary>Migrates a database of its own and starts the silo, then the API; <paramref name="settings"/> go to both.</summary>
    public static async Task<InProcessPostgresGrid> StartAsync(PostgresServer server, string name, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var postgres = new PostgresSettings(await server.CreateDatabaseAsync(name), PostgresSettings.DefaultSchema);
        await new SchemaMigrator(postgres, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = postgres.ConnectionString,
            ["Orleans:ClusterId"] = $"{name}-{Guid.NewGuid():N}",
            ["Orleans:SiloPort"] = LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans:Kubernetes"] = "false",
            ["Auth:BootstrapKey"] = TestKeys.Admin,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.UseOrleans(orleans => orleans.UseShipmentGridSilo(builder.Configuration));
        var silo = builder.Build();
        await silo.StartAsync();
        return new InProcessPostgresGrid(silo, new ApiFactory(configuration));
    }

    /// <summary>A client of the API sending the admin key.</summary>
    public HttpClient CreateClient() => api.CreateClient();

    public async ValueTask DisposeAsync()
    {
        await api.DisposeAsync();
        await silo.StopAsync();
        silo.Dispose();
    }

    private sealed class ApiFactory(IReadOnlyDictionary<string, string?> configuration) : WebApplicationFactory<Program>
    {
        public CapturedSpans Spans { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in configuration)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans)));
        }

        protected override void ConfigureClient(HttpClient client)
        {
            ArgumentNullException.ThrowIfNull(client);
            base.ConfigureClient(client);
            client.DefaultRequestHeaders.Authorization = TestKeys.Bearer(TestKeys.Admin);
        }
    }
}

/// <summary>Spans as the in-memory exporter hands them over, safe to read while it adds more.</summary>
public sealed class CapturedSpans : Collection<Activity>
{
    private readonly Lock gate = new();

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (gate)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (gate)
        {
            base.InsertItem(index, item);
        }
    }

    protected override void ClearItems()
    {
        lock (gate)
        {
            base.ClearItems();
        }
    }
}
