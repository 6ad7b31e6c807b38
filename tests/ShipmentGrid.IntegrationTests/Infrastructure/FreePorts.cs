using System.Net;
using System.Net.Sockets;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

internal static class FreePorts
{
    /// <summary>Asks the kernel for an unused loopback port; the caller binds it moments later.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
