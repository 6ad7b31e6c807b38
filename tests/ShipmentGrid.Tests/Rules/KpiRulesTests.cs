using System.Collections.Immutable;
using ShipmentGrid.Kpis;

namespace ShipmentGrid.Tests.Rules;

public sealed class KpiRulesTests
{
    private static readonly DateTimeOffset Planned = new(2026, 3, 4, 17, 0, 0, TimeSpan.Zero);

    private static CarrierShipmentFacts Delivered(DateTimeOffset? planned, DateTimeOffset at) =>
        PartnerScorecard.Deliver(PartnerScorecard.Book(CarrierShipmentFacts.None, planned), at);

    [Fact]
    public void A_delivery_at_the_planned_time_is_on_time_and_a_minute_later_is_late_without_tolerance()
    {
        Assert.True(PartnerScorecard.IsOnTime(Delivered(Planned, Planned), TimeSpan.Zero));
        Assert.False(PartnerScorecard.IsOnTime(Delivered(Planned, Planned.AddMinutes(1)), TimeSpan.Zero));
    }

    [Fact]
    public void The_carrier_tolerance_extends_the_planned_window()
    {
        var tolerance = TimeSpan.FromHours(2);

        Assert.True(PartnerScorecard.IsOnTime(Delivered(Planned, Planned.AddHours(2)), tolerance));
        Assert.False(PartnerScorecard.IsOnTime(Delivered(Planned, Planned.AddHours(2).AddSeconds(1)), tolerance));
    }

    [Fact]
    public void A_shipment_without_a_planned_delivery_is_delivered_but_not_judged()
    {
        var scorecard = PartnerScorecard.Score("CARR-1", [Delivered(null, Planned)], 0, 0, TimeSpan.Zero);

        Assert.Equal((1, 1, 0, 0, (decimal?)null), (scorecard.Shipments, scorecard.Delivered, scorecard.DeliveredAgainstPlan, scorecard.OnTime, scorecard.SlaCompliancePercent));
    }

    [Fact]
    public void The_earliest_reported_delivery_counts()
    {
        var facts = PartnerScorecard.Deliver(Delivered(Planned, Planned.AddHours(3)), Planned.AddHours(-1));

        Assert.Equal(Planned.AddHours(-1), facts.DeliveredAt);
        Assert.Same(facts, PartnerScorecard.Deliver(facts, Planned.AddHours(5)));
    }

    [Fact]
    public void Redelivered_facts_change_nothing()
    {
        var facts = PartnerScorecard.OpenException(Delivered(Planned, Planned), "CARR-1:X-1");

        var again = PartnerScorecard.OpenException(PartnerScorecard.Deliver(PartnerScorecard.Book(facts, Planned), Planned), "CARR-1:X-1");

        Assert.Equal(facts, again);
        Assert.Single(again.ExceptionIds);
    }

    [Fact]
    public void The_scorecard_counts_sla_compliance_and_exceptions_per_100_shipments()
    {
        var onTime = Delivered(Planned, Planned.AddMinutes(30));
        var late = Delivered(Planned, Planned.AddHours(3));
        var withException = PartnerScorecard.OpenException(PartnerScorecard.Book(CarrierShipmentFacts.None, Planned), "CARR-1:X-1");
        var neverBooked = PartnerScorecard.Deliver(CarrierShipmentFacts.None, Planned);

        var scorecard = PartnerScorecard.Score("CARR-1", [onTime, late, withException, neverBooked], duplicates: 2, deadLetters: 1, TimeSpan.FromHours(1));

        Assert.Equal(
            new CarrierScorecard("CARR-1", 3, 2, 2, 1, 50m, TimeSpan.FromHours(1), 1, 33.33m, 2, 1),
            scorecard);
    }

    [Fact]
    public void Percentages_are_null_until_there_is_a_whole()
    {
        var scorecard = PartnerScorecard.Score("CARR-1", [], 0, 0, TimeSpan.Zero);

        Assert.Null(scorecard.SlaCompliancePercent);
        Assert.Null(scorecard.ExceptionsPer100Shipments);
    }

    [Fact]
    public void Duplicate_fact_ids_tell_a_resend_from_a_redelivery()
    {
        var sent = new Shipments.CarrierEvent(
            "E-1", "CARR-1", "SHP-1", Shipments.MilestoneType.Delivered, null, Planned, Planned.AddMinutes(5), null, null, null, Shipments.EventSource.Api, 1, false);

        Assert.Equal(PartnerScorecard.DuplicateFactId(sent), PartnerScorecard.DuplicateFactId(sent with { }));
        Assert.NotEqual(PartnerScorecard.DuplicateFactId(sent), PartnerScorecard.DuplicateFactId(sent with { ReceivedAt = Planned.AddMinutes(6) }));
    }

    [Fact]
    public void Recent_facts_remember_each_id_once_and_forget_the_oldest_beyond_capacity()
    {
        ImmutableArray<string> seen = [];

        Assert.True(RecentFacts.TryRemember(seen, "a", out seen, capacity: 2));
        Assert.False(RecentFacts.TryRemember(seen, "a", out seen, capacity: 2));
        Assert.True(RecentFacts.TryRemember(seen, "b", out seen, capacity: 2));
        Assert.True(RecentFacts.TryRemember(seen, "c", out seen, capacity: 2));

        Assert.Equal(["b", "c"], seen.ToArray());
        Assert.True(RecentFacts.TryRemember(seen, "a", out _, capacity: 2));
    }

    [Fact]
    public void Cash_kpis_measure_cycle_time_and_shipment_to_cash_of_posted_invoices_only()
    {
        var pickup = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        CustomerShipmentFacts Shipment(int podHours, int postedHours) => CashCycle.Post(
            CashCycle.ProveDelivery(CashCycle.PickUp(CustomerShipmentFacts.None, pickup), pickup.AddHours(podHours)), pickup.AddHours(postedHours));
        var notPosted = CashCycle.ProveDelivery(CashCycle.PickUp(CustomerShipmentFacts.None, pickup), pickup.AddHours(1));
        var postedWithoutPickup = CashCycle.Post(CashCycle.ProveDelivery(CustomerShipmentFacts.None, pickup), pickup.AddHours(1));

        var kpis = CashCycle.Measure("CUST-1", [Shipment(10, 12), Shipment(20, 25), notPosted, postedWithoutPickup]);

        Assert.Equal(3, kpis.InvoicesPosted);
        Assert.Equal(new DurationStats(3, 3_600m * 8, 3_600m, 3_600m * 5, 9_600m), kpis.InvoiceCycleTime);
        Assert.Equal(new DurationStats(2, 3_600m * 37, 3_600m * 12, 3_600m * 25, 3_600m * 18.5m), kpis.ShipmentToCash);
    }

    [Fact]
    public void A_repeated_posting_or_proof_of_delivery_keeps_the_first_and_an_earlier_pickup_wins()
    {
        var at = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var facts = CashCycle.Post(CashCycle.ProveDelivery(CashCycle.PickUp(CustomerShipmentFacts.None, at), at.AddHours(1)), at.AddHours(2));

        Assert.Same(facts, CashCycle.Post(CashCycle.ProveDelivery(facts, at.AddHours(5)), at.AddHours(6)));
        Assert.Same(facts, CashCycle.PickUp(facts, at.AddHours(1)));
        Assert.Equal(at.AddHours(-1), CashCycle.PickUp(facts, at.AddHours(-1)).PickedUpAt);
    }

    [Fact]
    public void No_durations_give_empty_stats()
    {
        Assert.Equal(new DurationStats(0, 0m, null, null, null), CashCycle.Stats([]));
    }
}
