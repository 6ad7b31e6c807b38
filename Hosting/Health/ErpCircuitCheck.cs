using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;
using ShipmentGrid.Hosting.Erp;

namespace ShipmentGrid.Hosting.Health;

/// <summary>
/// Degraded while this silo's circuit to a remote ERP is open: postings wait on their backoff and nothing is lost, so an
/// ERP outage never takes the grid out of a load balancer.
/// </summary>
internal sealed class ErpCircuitCheck(ErpCircuit circuit) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(circuit.State switch
        {
            CircuitState.Closed => HealthCheckResult.Healthy("ERP circuit closed"),
            CircuitState.HalfOpen => HealthCheckResult.Degraded("ERP circuit half-open, probing"),
            _ => HealthCheckResult.Degraded("ERP circuit open, postings wait"),
        });
}
