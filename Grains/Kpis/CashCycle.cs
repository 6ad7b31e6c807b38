using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Kpis;

/// <summary>Invoice cycle time (proof of delivery to posted) and shipment-to-cash latency (pickup to posted), DOMAIN.md, from KPI buckets.</summary>
public static class CashCycle
{
    public static CustomerCashKpis Measure(string customerId, IReadOnlyCollection<KpiAggregate> aggregates)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        return new CustomerCashKpis(
            customerId,
            (int)aggregates.Where(aggregate => aggregate.Metric == KpiMetrics.InvoicesPosted).Sum(aggregate => aggregate.Count),
            Stats(aggregates.FirstOrDefault(aggregate => aggregate.Metric == KpiMetrics.InvoiceCycleTime)),
            Stats(aggregates.FirstOrDefault(aggregate => aggregate.Metric == KpiMetrics.ShipmentToCash)));
    }

    /// <summary>The average is rounded to the millisecond; the extremes are null when nothing was measured.</summary>
    public static DurationStats Stats(KpiAggregate? durations) =>
        durations is null || durations.Count == 0
            ? new DurationStats(0, 0m, null, null, null)
            : new DurationStats(
                (int)durations.Count,
                durations.TotalSeconds,
                durations.MinSeconds,
                durations.MaxSeconds,
                Math.Round(durations.TotalSeconds / durations.Count, 3, MidpointRounding.AwayFromZero));
}
