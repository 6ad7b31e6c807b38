using System.Collections.Immutable;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// One metric of one subject on one UTC day, as both stores keep it: a count, and for duration histograms the total,
/// the extremes and the bucket counts (<see cref="KpiHistogram"/>). Buckets add up, so increments commute and a
/// range of days is their sum.
/// </summary>
public sealed record KpiBucket(long Count, decimal TotalSeconds, decimal? MinSeconds, decimal? MaxSeconds, ImmutableArray<long> Histogram)
{
    public static KpiBucket Empty { get; } = new(0, 0m, null, null, [.. new long[KpiHistogram.Buckets]]);

    public static KpiBucket Counted(long count) => Empty with { Count = count };

    public static KpiBucket Observed(TimeSpan value)
    {
        var seconds = SecondsOf(value);
        return new KpiBucket(1, seconds, seconds, seconds, Empty.Histogram.SetItem(KpiHistogram.BucketOf(value), 1));
    }

    /// <summary>The UTC day whose bucket a change at <paramref name="at"/> lands in.</summary>
    public static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>Exact: a tick is 100 ns, so every duration is a finite decimal number of seconds.</summary>
    public static decimal SecondsOf(TimeSpan value) => value.Ticks / (decimal)TimeSpan.TicksPerSecond;

    public KpiBucket Plus(KpiBucket other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new KpiBucket(
            Count + other.Count,
            TotalSeconds + other.TotalSeconds,
            Extreme(MinSeconds, other.MinSeconds, Math.Min),
            Extreme(MaxSeconds, other.MaxSeconds, Math.Max),
            [.. Histogram.Zip(other.Histogram, (left, right) => left + right)]);
    }

    /// <summary>Each metric's buckets summed, in metric order (ordinal).</summary>
    public static ImmutableArray<KpiAggregate> Aggregate(IEnumerable<(string Metric, KpiBucket Bucket)> buckets) =>
        [.. buckets
            .GroupBy(entry => entry.Metric, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group =>
            {
                var sum = group.Aggregate(Empty, (total, entry) => total.Plus(entry.Bucket));
                return new KpiAggregate(group.Key, sum.Count, sum.TotalSeconds, sum.MinSeconds, sum.MaxSeconds, sum.Histogram);
            })];

    private static decimal? Extreme(decimal? left, decimal? right, Func<decimal, decimal, decimal> pick) =>
        left is { } l && right is { } r ? pick(l, r) : left ?? right;
}
