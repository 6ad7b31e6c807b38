using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Kpis;

/// <summary>Partner SLA compliance, exceptions per 100 shipments, duplicates and dead letters (DOMAIN.md, Business KPIs), from KPI buckets.</summary>
public static class PartnerScorecard
{
    /// <summary>
    /// The scorecard over the buckets read. On time means delivered at most the tolerance after the planned delivery,
    /// judged on read (a carrier that changes its SLA is scored by the new one) from the lateness histogram: exact for a
    /// tolerance on one of <see cref="KpiHistogram.BoundsSeconds"/>, otherwise judged at the nearest bound below it.
    /// </summary>
    public static CarrierScorecard Score(string carrierId, IReadOnlyCollection<KpiAggregate> aggregates, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        var booked = Count(aggregates, KpiMetrics.Bookings);
        var lateness = aggregates.FirstOrDefault(aggregate => aggregate.Metric == KpiMetrics.Lateness);
        var judged = (int)(lateness?.Count ?? 0);
        var onTime = lateness is null ? 0 : (int)KpiHistogram.CountAtMost(lateness.Histogram, tolerance);
        var exceptions = Count(aggregates, KpiMetrics.Exceptions);
        return new CarrierScorecard(
            carrierId,
            booked,
            Count(aggregates, KpiMetrics.Deliveries),
            judged,
            onTime,
            Percent(onTime, judged),
            tolerance,
            exceptions,
            Percent(exceptions, booked),
            Count(aggregates, KpiMetrics.Duplicates),
            Count(aggregates, KpiMetrics.DeadLetters));
    }

    /// <summary>Part per hundred of a whole, to two decimals; null for an empty whole.</summary>
    public static decimal? Percent(int part, int whole) =>
        whole == 0 ? null : Math.Round(part * 100m / whole, 2, MidpointRounding.AwayFromZero);

    private static int Count(IEnumerable<KpiAggregate> aggregates, string metric) =>
        (int)aggregates.Where(aggregate => aggregate.Metric == metric).Sum(aggregate => aggregate.Count);
}
