namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// The tests that read a host's metrics run by themselves, after the parallel test classes, one class at a time. In one
/// test process every host's OpenTelemetry provider also takes the same-named meters of the other hosts
/// (Microsoft.Extensions.Diagnostics enables a meter of any meter factory as local, not only its own host's), and an
/// instrument identical to one it already has shares that one's metric stream. When another host is disposed, its
/// instruments complete and the provider removes the shared streams at its next collection: OpenTelemetry's
/// self-diagnostics showed a surviving host's provider removing every ShipmentGrid and ASP.NET Core stream right after
/// the other test class's host was disposed, and its later scrapes held only the static meters (runtime, Orleans).
/// A process runs one host in production, so only tests see this.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsIsolation
{
    public const string Name = "Metrics";
}
