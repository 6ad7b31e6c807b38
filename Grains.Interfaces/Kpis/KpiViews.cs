namespace ShipmentGrid.Kpis;

/// <summary>
/// A carrier partner's scorecard. SLA compliance is judged only on deliveries booked with a planned delivery;
/// percentages are null until there is something to divide by.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.carrier-scorecard.v1")]
public sealed record CarrierScorecard(
    [Id(0)] string CarrierId,
    [Id(1)] int Shipments,
    [Id(2)] int Delivered,
    [Id(3)] int DeliveredAgainstPlan,
    [Id(4)] int OnTime,
    [Id(5)] decimal? SlaCompliancePercent,
    [Id(6)] TimeSpan DeliveryTolerance,
    [Id(7)] int Exceptions,
    [Id(8)] decimal? ExceptionsPer100Shipments,
    [Id(9)] int Duplicates,
    [Id(10)] int DeadLetters);

/// <summary>Count, sum, min, max and average of a set of durations, in seconds; the extremes are null when empty.</summary>
[GenerateSerializer, Immutable, Alias("sg.duration-stats.v1")]
public sealed record DurationStats(
    [Id(0)] int Count,
    [Id(1)] decimal TotalSeconds,
    [Id(2)] decimal? MinSeconds,
    [Id(3)] decimal? MaxSeconds,
    [Id(4)] decimal? AverageSeconds);

/// <summary>
/// How fast a customer's shipments turn into posted invoices: invoice cycle time (proof of delivery to posted)
/// and shipment-to-cash latency (pickup to posted).
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.customer-cash-kpis.v1")]
public sealed record CustomerCashKpis(
    [Id(0)] string CustomerId,
    [Id(1)] int InvoicesPosted,
    [Id(2)] DurationStats InvoiceCycleTime,
    [Id(3)] DurationStats ShipmentToCash);
