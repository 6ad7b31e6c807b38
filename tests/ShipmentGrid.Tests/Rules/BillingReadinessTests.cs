using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

public sealed class BillingReadinessTests
{
    private static readonly Charge Linehaul = Charge("c1", ChargeType.Linehaul, 1200m);
    private static readonly Charge Fuel = Charge("c2", ChargeType.FuelSurcharge, 96.5m);

    [Fact]
    public void Ready_with_proof_of_delivery_linehaul_and_fuel()
    {
        var result = BillingReadiness.Evaluate(true, [Linehaul, Fuel], detentionReported: false, specialHandling: false, Currency);

        Assert.True(result.IsReady);
        Assert.Equal([ChargeType.Linehaul, ChargeType.FuelSurcharge], result.RequiredCharges.AsEnumerable());
    }

    [Fact]
    public void Without_proof_of_delivery_and_charges_every_gap_is_listed()
    {
        var result = BillingReadiness.Evaluate(false, [], detentionReported: false, specialHandling: false, Currency);

        Assert.False(result.IsReady);
        Assert.Equal(
            [(BillingProblemKind.ProofOfDeliveryMissing, null), (BillingProblemKind.ChargeMissing, ChargeType.Linehaul), (BillingProblemKind.ChargeMissing, ChargeType.FuelSurcharge)],
            result.Problems.Select(problem => (problem.Kind, problem.ChargeType)));
    }

    [Fact]
    public void Detention_is_required_when_the_carrier_reported_detention()
    {
        var result = BillingReadiness.Evaluate(true, [Linehaul, Fuel], detentionReported: true, specialHandling: false, Currency);

        var problem = Assert.Single(result.Problems);
        Assert.Equal((BillingProblemKind.ChargeMissing, ChargeType.Detention), (problem.Kind, problem.ChargeType));
    }

    [Fact]
    public void Special_handling_is_required_when_booked_with_special_handling()
    {
        var result = BillingReadiness.Evaluate(true, [Linehaul, Fuel], detentionReported: false, specialHandling: true, Currency);

        var problem = Assert.Single(result.Problems);
        Assert.Equal((BillingProblemKind.ChargeMissing, ChargeType.SpecialHandling), (problem.Kind, problem.ChargeType));
    }

    [Fact]
    public void A_charge_in_another_currency_than_the_customers_is_named()
    {
        var euroFuel = Charge("c2", ChargeType.FuelSurcharge, 90m, "EUR");

        var result = BillingReadiness.Evaluate(true, [Linehaul, euroFuel], detentionReported: false, specialHandling: false, Currency);

        var problem = Assert.Single(result.Problems);
        Assert.Equal((BillingProblemKind.CurrencyMismatch, "c2"), (problem.Kind, problem.ChargeId));
    }

    [Fact]
    public void A_non_positive_amount_is_named()
    {
        var zeroFuel = Charge("c2", ChargeType.FuelSurcharge, 0m);

        var result = BillingReadiness.Evaluate(true, [Linehaul, zeroFuel], detentionReported: false, specialHandling: false, Currency);

        var problem = Assert.Single(result.Problems);
        Assert.Equal((BillingProblemKind.AmountNotPositive, "c2"), (problem.Kind, problem.ChargeId));
    }

    [Fact]
    public void Proof_of_delivery_with_missing_charges_raises_billing_incomplete_then_ready_when_they_arrive()
    {
        var scenario = new ShipmentScenario().Book(specialHandling: true);
        scenario.Record(Linehaul);

        var pod = scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30), detention: true));
        var fuel = scenario.Record(Fuel);
        var detention = scenario.Record(Charge("c3", ChargeType.Detention, 150m));
        var awaiting = ShipmentHistory.ToView(scenario.State);
        var handling = scenario.Record(Charge("c4", ChargeType.SpecialHandling, 75m));

        var incomplete = Assert.Single(pod.Events.OfType<BillingIncomplete>());
        Assert.Equal(
            [ChargeType.FuelSurcharge, ChargeType.Detention, ChargeType.SpecialHandling],
            incomplete.Problems.Select(problem => problem.ChargeType!.Value));
        Assert.Empty(fuel.Events.OfType<BillingReady>());
        Assert.Empty(detention.Events.OfType<BillingReady>());
        Assert.Equal(BillingStatus.AwaitingCharges, awaiting.BillingStatus);
        Assert.Equal(ChargeType.SpecialHandling, Assert.Single(awaiting.BillingProblems).ChargeType);
        var ready = Assert.Single(handling.Events.OfType<BillingReady>());
        Assert.Equal(["c1", "c2", "c3", "c4"], ready.Charges.Select(charge => charge.ChargeId));
        Assert.Equal(BillingStatus.ReadyToInvoice, ShipmentHistory.ToView(scenario.State).BillingStatus);
    }

    [Fact]
    public void Billing_ready_carries_the_earliest_pickup_and_the_proof_of_delivery_time_from_the_timeline_whatever_the_arrival_order()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Linehaul);
        scenario.Record(Milestone("e2-late-copy", MilestoneType.PickedUp, Start.AddHours(3)));
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));
        scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(2)));

        // Charges complete after proof of delivery: billing is decided then, from the timeline, not from that event.
        var ready = Assert.Single(scenario.Record(Fuel).Events.OfType<BillingReady>());

        Assert.Equal((Start.AddHours(2), Start.AddHours(30)), (ready.PickedUpAt, ready.ProofOfDeliveryAt));
    }

    [Fact]
    public void Billing_is_not_ready_before_proof_of_delivery_even_with_all_charges()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Linehaul);
        scenario.Record(Fuel);
        scenario.Record(Milestone("e5", MilestoneType.Delivered, Start.AddHours(28)));

        Assert.Empty(scenario.PublishedOf<BillingReady>());
        Assert.Equal(BillingStatus.NotReady, ShipmentHistory.ToView(scenario.State).BillingStatus);
    }

    [Fact]
    public void An_invoiced_shipment_reports_invoiced_and_records_the_invoice_once()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Linehaul);
        scenario.Record(Fuel);
        var number = InvoiceNumbering.For(ShipmentId);
        var early = ShipmentDecisions.RecordInvoice(scenario.State, number, Start);
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));

        var wrong = ShipmentDecisions.RecordInvoice(scenario.State, "INV-OTHER", Start);
        var first = scenario.Execute(state => ShipmentDecisions.RecordInvoice(state, number, Start));
        var second = scenario.Execute(state => ShipmentDecisions.RecordInvoice(state, number, Start));

        Assert.Equal(RejectionCode.BillingNotReady, early.Rejection);
        Assert.Equal(RejectionCode.InvoiceNumberMismatch, wrong.Rejection);
        Assert.Equal(CommandOutcome.Applied, first.Outcome);
        Assert.Equal(CommandOutcome.Duplicate, second.Outcome);
        Assert.Equal(BillingStatus.Invoiced, ShipmentHistory.ToView(scenario.State).BillingStatus);
    }
}
