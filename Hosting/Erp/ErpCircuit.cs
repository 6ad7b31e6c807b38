using Polly.CircuitBreaker;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Hosting.Erp;

/// <summary>
/// The state of this silo's circuit breaker to a remote ERP, as the resilience pipeline reports its transitions; always
/// closed with the built-in ledger. Read by the health check and the <c>shipment_grid.erp.circuit.open</c> gauge.
/// </summary>
public sealed class ErpCircuit
{
    private int state = (int)CircuitState.Closed;

    public ErpCircuit(GridMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        metrics.Meter.CreateObservableGauge(
            "shipment_grid.erp.circuit.open",
            () => IsOpen ? 1 : 0,
            "{circuit}",
            "1 while this silo's circuit to the remote ERP is open (postings wait), else 0.");
    }

    public CircuitState State => (CircuitState)Volatile.Read(ref state);

    public bool IsOpen => State is CircuitState.Open or CircuitState.Isolated;

    public void Record(CircuitState transition) => Volatile.Write(ref state, (int)transition);
}
