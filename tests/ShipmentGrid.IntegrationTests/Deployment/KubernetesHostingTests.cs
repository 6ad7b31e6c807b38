using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;
using ShipmentGrid.Hosting.Cluster;

namespace ShipmentGrid.IntegrationTests.Deployment;

/// <summary>
/// Orleans' Kubernetes hosting reads the pod's name, namespace and IP from process environment variables, so these tests
/// set them and run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironment
{
    public const string Name = "Process environment";
}

/// <summary>
/// What <c>Orleans:Kubernetes</c> changes in a silo, read from the options the silo would start with (no Kubernetes API
/// is needed before the silo starts): its name and advertised address come from the pod, and outside a pod nothing changes.
/// </summary>
[Collection(ProcessEnvironment.Name)]
public sealed class KubernetesHostingTests
{
    private const string PodName = "shipment-grid-silo-7d9f8-x2x4q";
    private const string PodIp = "10.244.1.17";
    private const string ConnectionString = "Host=127.0.0.1;Port=1;Database=shipmentgrid;Username=grid;Password=grid";

    [Fact]
    public void Kubernetes_hosting_is_on_for_a_postgres_silo_that_kubernetes_started_unless_configured_off()
    {
        var inPod = Configuration((KubernetesHosting.ServiceHostVariable, "10.96.0.1"));
        Assert.True(KubernetesHosting.IsEnabled(new GridOptions(), inPod, postgresMode: true));
        Assert.False(KubernetesHosting.IsEnabled(new GridOptions(), inPod, postgresMode: false));
        Assert.False(KubernetesHosting.IsEnabled(new GridOptions { Kubernetes = false }, inPod, postgresMode: true));

        var outside = Configuration();
        Assert.False(KubernetesHosting.IsEnabled(new GridOptions(), outside, postgresMode: true));
        Assert.True(KubernetesHosting.IsEnabled(new GridOptions { Kubernetes = true }, outside, postgresMode: true));
    }

    [Fact]
    public void Kubernetes_hosting_for_the_embedded_grid_is_refused_at_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(("Orleans:Kubernetes", "true")));
        Assert.Contains("PostgreSQL mode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_identity_variable_that_differs_from_the_grids_configuration_is_refused_at_start()
    {
        var grid = new GridOptions();
        Assert.Null(KubernetesHosting.IdentityConflict(grid, Configuration()));
        Assert.Null(KubernetesHosting.IdentityConflict(grid, Configuration((KubernetesHostingOptions.ClusterIdEnvironmentVariable, grid.ClusterId))));
        Assert.Contains(KubernetesHostingOptions.ServiceIdEnvironmentVariable,
            KubernetesHosting.IdentityConflict(grid, Configuration((KubernetesHostingOptions.ServiceIdEnvironmentVariable, "other"))), StringComparison.Ordinal);

        var error = Assert.Throws<InvalidOperationException>(() => Build(
            ("ConnectionStrings:Postgres", ConnectionString),
            ("Orleans:Kubernetes", "true"),
            (KubernetesHostingOptions.ClusterIdEnvironmentVariable, "other")));
        Assert.Contains("Orleans:ClusterId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_in_a_pod_is_named_after_the_pod_and_advertises_the_pods_ip_on_every_interface()
    {
        using var pod = new PodEnvironment();
        using var host = Build(("ConnectionStrings:Postgres", ConnectionString), ("Orleans:Kubernetes", "true"));

        Assert.Equal(PodName, Options<SiloOptions>(host).SiloName);
        var endpoints = Options<EndpointOptions>(host);
        Assert.Equal(IPAddress.Parse(PodIp), endpoints.AdvertisedIPAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 11111), endpoints.SiloListeningEndpoint);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 30000), endpoints.GatewayListeningEndpoint);
        var cluster = Options<ClusterOptions>(host);
        Assert.Equal(("shipment-grid", "shipment-grid"), (cluster.ClusterId, cluster.ServiceId));
        // deploy/kubernetes/rbac.yaml grants no delete on pods.
        Assert.False(Options<KubernetesHostingOptions>(host).DeleteDefunctSiloPods);
    }

    [Fact]
    public void A_silo_configured_off_keeps_its_configured_address_whatever_the_pod_says()
    {
        using var pod = new PodEnvironment();
        using var host = Build(("ConnectionStrings:Postgres", ConnectionString), ("Orleans:Kubernetes", "false"));

        Assert.NotEqual(PodName, Options<SiloOptions>(host).SiloName);
        Assert.Equal(IPAddress.Loopback, Options<EndpointOptions>(host).AdvertisedIPAddress);
    }

    private static IConfigurationRoot Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // As in the processes (WebApplication.CreateBuilder): the environment, then the settings given.
        builder.Configuration.AddEnvironmentVariables().AddConfiguration(Configuration(settings));
        builder.UseOrleans(silo => silo.UseShipmentGridSilo(builder.Configuration));
        return builder.Build();
    }

    private static T Options<T>(IHost host)
        where T : class =>
        host.Services.GetRequiredService<IOptions<T>>().Value;

    /// <summary>The downward-API variables a silo pod gets (deploy/kubernetes/silo.yaml), removed again afterwards.</summary>
    private sealed class PodEnvironment : IDisposable
    {
        private static readonly (string Name, string Value)[] Variables =
        [
            (KubernetesHostingOptions.PodNameEnvironmentVariable, PodName),
            (KubernetesHostingOptions.PodNamespaceEnvironmentVariable, "shipment-grid"),
            (KubernetesHostingOptions.PodIPEnvironmentVariable, PodIp),
        ];

        public PodEnvironment()
        {
            foreach (var (name, value) in Variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, _) in Variables)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }
}
