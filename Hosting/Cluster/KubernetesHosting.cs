using System.Net;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>
/// A silo in a Kubernetes pod, through Microsoft.Orleans.Hosting.Kubernetes: the silo is named after its pod
/// (<c>POD_NAME</c>), advertises the pod's IP (<c>POD_IP</c>) and listens on every interface, labels its pod with the
/// cluster identity (<c>orleans/serviceId</c>, <c>orleans/clusterId</c>), and up to two silos watch those pods, so a
/// silo whose pod is deleted is declared dead at once instead of after missed probes, and a silo without a pod is
/// declared dead at start. Membership stays in PostgreSQL: this only applies in PostgreSQL mode.
/// </summary>
internal static class KubernetesHosting
{
    /// <summary>Set by Kubernetes in every container it starts.</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>Whether <c>Orleans:Kubernetes</c>, or else the environment, says this silo runs in a pod.</summary>
    public static bool IsEnabled(GridOptions grid, IConfiguration configuration, bool postgresMode)
    {
        if (grid.Kubernetes is not { } configured)
        {
            return postgresMode && !string.IsNullOrWhiteSpace(configuration[ServiceHostVariable]);
        }

        if (configured && !postgresMode)
        {
            throw new InvalidOperationException(
                "Orleans:Kubernetes=true needs PostgreSQL mode (ConnectionStrings:Postgres): the embedded grid is one process on localhost clustering.");
        }

        return configured;
    }

    /// <summary>
    /// The package lets <c>ORLEANS_CLUSTER_ID</c> and <c>ORLEANS_SERVICE_ID</c> override the cluster identity, but the API
    /// (an Orleans client) takes it from <c>Orleans:ClusterId</c> / <c>Orleans:ServiceId</c> only: a silo whose identity
    /// differed would form a cluster no client finds, so a disagreement stops the silo at start.
    /// </summary>
    public static string? IdentityConflict(GridOptions grid, IConfiguration configuration)
    {
        var conflicts = new[]
            {
                (Variable: KubernetesHostingOptions.ClusterIdEnvironmentVariable, Key: "Orleans:ClusterId", Configured: grid.ClusterId),
                (Variable: KubernetesHostingOptions.ServiceIdEnvironmentVariable, Key: "Orleans:ServiceId", Configured: grid.ServiceId),
            }
            .Where(c => configuration[c.Variable] is { } value && !string.IsNullOrWhiteSpace(value) && !string.Equals(value, c.Configured, StringComparison.Ordinal))
            .Select(c => $"{c.Variable} '{configuration[c.Variable]}' differs from {c.Key} '{c.Configured}'")
            .ToList();
        return conflicts.Count == 0
            ? null
            : string.Join("; ", conflicts) + ": set the Orleans:* keys (what the API reads) and leave the variables unset or equal.";
    }

    public static ISiloBuilder UseGridKubernetesHosting(this ISiloBuilder silo, GridOptions grid, IConfiguration configuration)
    {
        if (IdentityConflict(grid, configuration) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        // The advertised address is set here: the package would take POD_IP only for an address still unset when its
        // post-configure step runs, and Orleans' own one, which runs first, has by then filled in the host's first address.
        // The package sets the listening endpoints (every interface) afterwards.
        var podIp = configuration[KubernetesHostingOptions.PodIPEnvironmentVariable];
        silo.Configure<EndpointOptions>(options =>
        {
            options.SiloPort = grid.SiloPort;
            options.GatewayPort = grid.GatewayPort;
            if (!string.IsNullOrWhiteSpace(grid.AdvertisedIp))
            {
                options.AdvertisedIPAddress = grid.ResolveAdvertisedAddress();
            }
            else if (!string.IsNullOrWhiteSpace(podIp))
            {
                options.AdvertisedIPAddress = IPAddress.Parse(podIp);
            }
        });

        // Deleting the pods of silos declared dead would need the delete verb (deploy/kubernetes/rbac.yaml grants none):
        // a silo that learns it was declared dead stops its process, and the pod restarts it.
        return silo.UseKubernetesHosting(options => options.Configure(o => o.DeleteDefunctSiloPods = false));
    }
}
