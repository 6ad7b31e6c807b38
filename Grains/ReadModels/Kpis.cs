namespace ShipmentGrid.ReadModels;

public enum KpiScope
{
    Carrier = 0,
    Customer = 1,
}

/// <summary>Whose KPI: a carrier partner or a customer.</summary>
public sealed record KpiSubject(KpiScope Scope, string Id)
{
    public static KpiSubject Carrier(string carrierId) => new(KpiScope.Carrier, carrierId);

    public static KpiSubject Customer(string customerId) => new(KpiScope.Customer, customerId);
}

/// <summary>The KPI metrics (DOMAIN.md, Business KPIs), each a counter or a duration histogram per subject and UTC day.</summary>
public static class KpiMetrics
{
    /// <summary>Carrier: shipments booked with the carrier (counter).</summary>
    public const string Bookings = "bookings";

    /// <summary>Carrier: shipments delivered, counted once each when first delivered (counter).</summary>
    public const string Deliveries = "deliveries";

    /// <summary>Carrier: delivered minus planned delivery, for deliveries booked with a plan (histogram; negative is early).</summary>
    public const string Lateness = "lateness";

    /// <summary>Carrier: delivery exceptions opened (counter).</summary>
    public const string Exceptions = "exceptions";

    /// <summary>Carrier: carrier events answered as duplicates (counter).</summary>
    public const string Duplicates = "duplicates";

    /// <summary>Carrier: carrier events dead-lettered, once per event id (counter).</summary>
    public const string DeadLetters = "dead-letters";

    /// <summary>Customer: invoices posted to the ERP (counter).</summary>
    public const string InvoicesPosted = "invoices-posted";

    /// <summary>Customer: proof of delivery to invoice posted (histogram).</summary>
    public const string InvoiceCycleTime = "invoice-cycle-time";

    /// <summary>Customer: pickup to invoice posted (histogram).</summary>
    public const string ShipmentToCash = "shipment-to-cash";
}

/// <summary>
/// The fixed bucket bounds of every duration histogram, in seconds. Bucket i holds values above bound i-1 and at
/// most bound i; the last bucket holds everything above the last bound. Fixed, so buckets of any days add up.
/// </summary>
public static class KpiHistogram
{
    public static IReadOnlyList<long> BoundsSeconds { get; } =
    [
        -86_400, -3_600, 0, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 43_200, 86_400, 172_800, 259_200, 604_800, 1_209_600, 2_592_000,
    ];

    public static int Buckets => BoundsSeconds.Count + 1;

    public static int BucketOf(TimeSpan value)
    {
        var seconds = value.TotalSeconds;
        for (var i = 0; i < BoundsSeconds.Count; i++)
        {
            if (seconds <= BoundsSeconds[i])
            {
                return i;
            }
        }

        return BoundsSeconds.Count;
    }

    /// <summary>
    /// How many values were at most <paramref name="limit"/>: exact when the limit is one of the bounds, otherwise
    /// counted up to the nearest bound below it (never counts a value above the limit).
    /// </summary>
    public static long CountAtMost(IReadOnlyList<long> histogram, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long count = 0;
        for (var i = 0; i < BoundsSeconds.Count && i < histogram.Count && BoundsSeconds[i] <= limit.TotalSeconds; i++)
        {
            count += histogram[i];
        }

        return count;
    }
}

/// <summary>A metric summed over a range of days: count, and for histograms the total, extremes and bucket counts.</summary>
public sealed record KpiAggregate(string Metric, long Count, decimal TotalSeconds, decimal? MinSeconds, decimal? MaxSeconds, IReadOnlyList<long> Histogram);
