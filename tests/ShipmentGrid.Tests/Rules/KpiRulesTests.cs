using ShipmentGrid.Kpis;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Tests.Rules;

public sealed class KpiRulesTests
{
    /// <summary>A histogram aggregate of the durations, folded as the stores fold observations.</summary>
    private static KpiAggregate Durations(string metric, params TimeSpan[] values)
    {
        var histogram = new long[KpiHistogram.Buckets];
        foreach (var value in values)
        {
            histogram[KpiHistogram.BucketOf(value)]++;
        }

        var seconds = values.Select(value => (decimal)value.TotalSeconds).ToList();
        return new KpiAggregate(metric, values.Length, seconds.Sum(), seconds.Count == 0 ? null : seconds.Min(), seconds.Count == 0 ? null : seconds.Max(), histogram);
    }

    private static KpiAggregate Counter(string metric, long count) => new(metric, count, 0m, null, null, []);

    [Fact]
    public void A_delivery_at_the_planned_time_is_on_time_and_a_minute_later_is_late_without_tolerance()
    {
        var scorecard = PartnerScorecard.Score("CARR-1", [Durations(KpiMetrics.Lateness, TimeSpan.Zero, TimeSpan.FromMinutes(1))], TimeSpan.Zero);

        Assert.Equal((2, 1), (scorecard.DeliveredAgainstPlan, scorecard.OnTime));
    }

    [Fact]
    public void The_carrier_tolerance_extends_the_planned_window()
    {
        var lateness = Durations(KpiMetrics.Lateness, TimeSpan.FromHours(2), TimeSpan.FromHours(2).Add(TimeSpan.FromSeconds(1)), TimeSpan.FromHours(-3));

        Assert.Equal(2, PartnerScorecard.Score("CARR-1", [lateness], TimeSpan.FromHours(2)).OnTime);
        Assert.Equal(1, PartnerScorecard.Score("CARR-1", [lateness], TimeSpan.Zero).OnTime);
    }

    [Fact]
    public void A_tolerance_between_bounds_never_counts_a_delivery_later_than_it()
    {
        var lateness = Durations(KpiMetrics.Lateness, TimeSpan.FromMinutes(50));

        Assert.Equal(0, PartnerScorecard.Score("CARR-1", [lateness], TimeSpan.FromMinutes(45)).OnTime);
        Assert.Equal(1, PartnerScorecard.Score("CARR-1", [lateness], TimeSpan.FromHours(1)).OnTime);
    }

    [Fact]
    public void The_scorecard_counts_sla_compliance_and_exceptions_per_100_shipments()
    {
        var scorecard = PartnerScorecard.Score(
            "CARR-1",
            [
                Counter(KpiMetrics.Bookings, 3),
                Counter(KpiMetrics.Deliveries, 2),
                Durations(KpiMetrics.Lateness, TimeSpan.FromMinutes(30), TimeSpan.FromHours(3)),
                Counter(KpiMetrics.Exceptions, 1),
                Counter(KpiMetrics.Duplicates, 2),
                Counter(KpiMetrics.DeadLetters, 1),
            ],
            TimeSpan.FromHours(1));

        Assert.Equal(new CarrierScorecard("CARR-1", 3, 2, 2, 1, 50m, TimeSpan.FromHours(1), 1, 33.33m, 2, 1), scorecard);
    }

    [Fact]
    public void Percentages_are_null_until_there_is_a_whole()
    {
        var scorecard = PartnerScorecard.Score("CARR-1", [], TimeSpan.Zero);

        Assert.Null(scorecard.SlaCompliancePercent);
        Assert.Null(scorecard.ExceptionsPer100Shipments);
    }

    [Fact]
    public void Cash_kpis_measure_cycle_time_and_shipment_to_cash()
    {
        var kpis = CashCycle.Measure(
            "CUST-1",
            [
                Counter(KpiMetrics.InvoicesPosted, 3),
                Durations(KpiMetrics.InvoiceCycleTime, TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(1)),
                Durations(KpiMetrics.ShipmentToCash, TimeSpan.FromHours(12), TimeSpan.FromHours(25)),
            ]);

        Assert.Equal(3, kpis.InvoicesPosted);
        Assert.Equal(new DurationStats(3, 3_600m * 8, 3_600m, 3_600m * 5, 9_600m), kpis.InvoiceCycleTime);
        Assert.Equal(new DurationStats(2, 3_600m * 37, 3_600m * 12, 3_600m * 25, 3_600m * 18.5m), kpis.ShipmentToCash);
    }

    [Fact]
    public void No_durations_give_empty_stats()
    {
        Assert.Equal(new DurationStats(0, 0m, null, null, null), CashCycle.Stats(null));
    }

    [Theory]
    [InlineData(-86_401, 0)]
    [InlineData(-86_400, 0)]
    [InlineData(0, 2)]
    [InlineData(1, 3)]
    [InlineData(300, 3)]
    [InlineData(2_592_001, 17)]
    public void A_duration_falls_in_the_first_bucket_whose_bound_holds_it(int seconds, int bucket)
    {
        Assert.Equal(bucket, KpiHistogram.BucketOf(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(KpiHistogram.BoundsSeconds.Count + 1, KpiHistogram.Buckets);
    }
}
