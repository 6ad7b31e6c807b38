using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ShipmentGrid.Journal;

/// <summary>
/// Reader lag as metrics: per partition, the committed events its reader has yet to follow and the age of the oldest,
/// reported by the silo that hosts the reader (so each partition is exported by one silo at a time).
/// </summary>
public sealed class JournalLagMetrics : IDisposable
{
    public const string MeterName = Observability.GridMetrics.MeterName;

    /// <summary>How often a reader refreshes its figures while it runs.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<int, JournalLag> lags = new();
    private readonly Meter meter;

    public JournalLagMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        meter = meters.Create(MeterName);
        meter.CreateObservableGauge(
            "shipment_grid.journal.reader.backlog",
            () => lags.Values.Select(lag => new Measurement<long>(lag.Events, Partition(lag))),
            unit: "{event}",
            description: "Committed journal events the partition's reader has not yet followed (counted up to Journal:LagCountCap).");
        meter.CreateObservableGauge(
            "shipment_grid.journal.reader.lag",
            () => lags.Values.Select(lag => new Measurement<double>(lag.Seconds, Partition(lag))),
            unit: "s",
            description: "Age of the oldest committed journal event the partition's reader has not yet followed.");
    }

    public void Report(JournalLag lag)
    {
        ArgumentNullException.ThrowIfNull(lag);
        lags[lag.Partition] = lag;
    }

    /// <summary>The lag of each partition whose reader this silo hosts, as last reported.</summary>
    public IReadOnlyCollection<JournalLag> Current => [.. lags.Values];

    /// <summary>The reader left this silo: another silo's reader reports the partition from now on.</summary>
    public void Forget(int partition) => lags.TryRemove(partition, out _);

    public void Dispose() => meter.Dispose();

    private static KeyValuePair<string, object?> Partition(JournalLag lag) => new("shipment_grid.journal.partition", lag.Partition);
}
