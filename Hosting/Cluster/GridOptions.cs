using System.Net;
using Microsoft.Extensions.Configuration;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>The <c>Orleans</c> configuration section: cluster identity and endpoints.</summary>
public sealed record GridOptions
{
    public const string Section = "Orleans";

    public string ClusterId { get; init; } = "shipment-grid";

    public string ServiceId { get; init; } = "shipment-grid";

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// The address other silos and clients use to reach this silo: an IP or a host name (a container's service
    /// name resolves to its address). Loopback when unset.
    /// </summary>
    public string? AdvertisedIp { get; init; }

    /// <summary>
    /// Whether the silo runs as a Kubernetes pod (<see cref="KubernetesHosting"/>). Unset: on in PostgreSQL mode when
    /// Kubernetes started the process (it sets <c>KUBERNETES_SERVICE_HOST</c> in every container); false turns it off there.
    /// </summary>
    public bool? Kubernetes { get; init; }

    public static GridOptions FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<GridOptions>() ?? new GridOptions();
        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
        {
            throw new InvalidOperationException("Orleans:ClusterId and Orleans:ServiceId must not be empty.");
        }

        if (options.SiloPort is <= 0 or > 65535 || options.GatewayPort is <= 0 or > 65535)
        {
            throw new InvalidOperationException(
                $"Orleans:SiloPort ({options.SiloPort}) and Orleans:GatewayPort ({options.GatewayPort}) must be TCP ports.");
        }

        return options;
    }

    internal IPAddress ResolveAdvertisedAddress()
    {
        if (string.IsNullOrWhiteSpace(AdvertisedIp))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(AdvertisedIp, out var address))
        {
            return address;
        }

        return Dns.GetHostAddresses(AdvertisedIp).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"Orleans:AdvertisedIp '{AdvertisedIp}' did not resolve to an IPv4 address.");
    }
}
