using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>A PostgreSQL-mode cluster made of real Silo processes, and an Orleans client to talk to it.</summary>
internal sealed class ClusterNode
{
    private readonly IReadOnlyDictionary<string, string> settings;

    private ClusterNode(string connectionString, string clusterId, IReadOnlyDictionary<string, string> settings)
    {
        ConnectionString = connectionString;
        ClusterId = clusterId;
        this.settings = settings;
    }

    public string ConnectionString { get; }

    public string ClusterId { get; }

    /// <summary>Migrates the cluster's database; <paramref name="settings"/> (environment variable names) go to every process of the cluster.</summary>
    public static async Task<ClusterNode> MigrateAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var node = new ClusterNode(connectionString, $"test-{Guid.NewGuid():N}"[..16], settings ?? new Dictionary<string, string>());
        await using var migrate = GridProcess.Start("migrate", "Silo", "ShipmentGrid.Silo.dll", node.Environment(0, 0), arguments: "migrate");
        var exitCode = await migrate.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, $"migrate exited with {exitCode}:\n{migrate.Output}");
        return node;
    }

    public Dictionary<string, string> Environment(int siloPort, int gatewayPort)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings__Postgres"] = ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__ServiceId"] = "shipment-grid-tests",
            ["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return environment;
    }

    /// <summary>
    /// A silo process, with <paramref name="settings"/> (environment variable names) on top of the cluster's; in
    /// <paramref name="network"/>'s namespace when given, advertising its address there and reaching PostgreSQL on the host's.
    /// </summary>
    public async Task<GridProcess> StartSiloAsync(
        string name, string? workingDirectory = null, IReadOnlyDictionary<string, string>? settings = null, ProcessNetwork? network = null)
    {
        var siloPort = LoopbackPorts.Next();
        var environment = Environment(siloPort, LoopbackPorts.Next());
        if (network is not null)
        {
            environment["Orleans__AdvertisedIp"] = network.Address;
            environment["ConnectionStrings__Postgres"] = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Host = network.HostAddress }.ConnectionString;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return await ReadyAsync(GridProcess.Start(name, "Silo", "ShipmentGrid.Silo.dll", environment, siloPort, workingDirectory, network));
    }

    /// <summary>The HTTP API as its own process, an Orleans client of this cluster.</summary>
    public Task<GridProcess> StartApiAsync(string? workingDirectory = null, string name = "api", IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = Environment(1, 1);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return ReadyAsync(GridProcess.Start(name, "Client.Api", "ShipmentGrid.Api.dll", environment, workingDirectory: workingDirectory));
    }

    /// <summary>The started process once ready; one that never gets ready is killed, not left behind.</summary>
    private static async Task<GridProcess> ReadyAsync(GridProcess process)
    {
        try
        {
            await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public async Task<IHost> StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(
            Environment(1, 1).Select(pair => KeyValuePair.Create(pair.Key.Replace("__", ":", StringComparison.Ordinal), (string?)pair.Value)));
        builder.UseOrleansClient(client => client.UseShipmentGridClient(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static IClusterClient Client(IHost host) => host.Services.GetRequiredService<IClusterClient>();
}
