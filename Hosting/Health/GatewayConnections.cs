namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// The gateways an Orleans client holds a connection to, as the client reports them. Registered as the client's
/// connection status observer, so readiness is read from what the client knows rather than from a call that may land
/// on one silo that has just died.
/// </summary>
public sealed class GatewayConnections : IClusterConnectionStatusObserver
{
    private int connected;

    public int Connected => Volatile.Read(ref connected);

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        Volatile.Write(ref connected, Math.Max(0, currentNumberOfGateways));

    public void NotifyClusterConnectionLost() => Volatile.Write(ref connected, 0);
}
