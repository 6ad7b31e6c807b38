using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

/// <summary>DOMAIN billing rule: charges after the invoice are billed by adjustments; a charge in error is voided, never edited.</summary>
public sealed class AdjustmentRulesTests
{
    private static ShipmentScenario Invoiced()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Charge("c1", ChargeType.Linehaul, 1200m));
        scenario.Record(Charge("c2", ChargeType.FuelSurcharge, 90m));
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));
        Assert.True(scenario.State.BillingReadyRaised);
        return scenario;
    }

    private static ShipmentDecision Void(ShipmentScenario scenario, string chargeId, Charge? replacement = null) =>
        scenario.Execute(state => ShipmentDecisions.VoidCharge(state, chargeId, "Rated twice", replacement, scenario.Clock.GetUtcNow()));

    [Fact]
    public void A_charge_after_the_invoice_raises_a_supplementary_invoice_for_it_numbered_from_the_original()
    {
        var scenario = Invoiced();

        var late = scenario.Record(Charge("c3", ChargeType.Detention, 75.5m));
        var repeat = scenario.Record(Charge("c3", ChargeType.Detention, 75.5m));

        Assert.Equal(CommandOutcome.Applied, late.Outcome);
        var adjustment = Assert.Single(scenario.PublishedOf<AdjustmentRaised>());
        Assert.Equal("INV-SHP-1001~A1", adjustment.InvoiceNumber);
        Assert.Equal("INV-SHP-1001", adjustment.OriginalInvoiceNumber);
        Assert.Equal(InvoiceKind.SupplementaryInvoice, adjustment.Kind);
        Assert.Equal(new Money(75.5m, Currency), adjustment.Total);
        var line = Assert.Single(adjustment.Lines);
        Assert.Equal(("c3", ChargeType.Detention, 75.5m), (line.ChargeId, line.Type, line.Amount.Amount));
        Assert.Equal(CommandOutcome.Duplicate, repeat.Outcome);
        Assert.Equal(["INV-SHP-1001~A1"], scenario.State.AdjustmentNumbers.AsEnumerable());
        Assert.Single(scenario.PublishedOf<BillingReady>());
    }

    [Fact]
    public void Voiding_an_invoiced_charge_raises_a_credit_note_and_voiding_it_again_is_a_duplicate()
    {
        var scenario = Invoiced();

        var voided = Void(scenario, "c2");
        var again = Void(scenario, "c2");

        Assert.Equal(CommandOutcome.Applied, voided.Outcome);
        Assert.Equal(CommandOutcome.Duplicate, again.Outcome);
        var credit = Assert.Single(scenario.PublishedOf<AdjustmentRaised>());
        Assert.Equal(InvoiceKind.CreditNote, credit.Kind);
        Assert.Equal(-90m, credit.Total.Amount);
        Assert.False(scenario.State.Charges.ContainsKey("c2"));
        Assert.Equal("Rated twice", scenario.State.VoidedCharges["c2"].Reason);
    }

    [Theory]
    [InlineData(1000, InvoiceKind.CreditNote, -200)]
    [InlineData(1350, InvoiceKind.SupplementaryInvoice, 150)]
    public void A_replaced_charge_is_adjusted_by_the_difference(decimal corrected, InvoiceKind kind, decimal difference)
    {
        var scenario = Invoiced();

        Void(scenario, "c1", Charge("c1-fix", ChargeType.Linehaul, corrected));

        var adjustment = Assert.Single(scenario.PublishedOf<AdjustmentRaised>());
        Assert.Equal(kind, adjustment.Kind);
        Assert.Equal(difference, adjustment.Total.Amount);
        Assert.Equal([-1200m, corrected], adjustment.Lines.Select(line => line.Amount.Amount));
        Assert.Equal(corrected, scenario.State.Charges["c1-fix"].Amount.Amount);
    }

    [Fact]
    public void A_replacement_that_changes_no_amount_raises_no_document()
    {
        var scenario = Invoiced();

        var decision = Void(scenario, "c1", Charge("c1-ref", ChargeType.Linehaul, 1200m));

        Assert.Equal(CommandOutcome.Applied, decision.Outcome);
        Assert.Empty(scenario.PublishedOf<AdjustmentRaised>());
    }

    [Fact]
    public void Each_adjustment_takes_the_next_number()
    {
        var scenario = Invoiced();

        scenario.Record(Charge("c3", ChargeType.Detention, 40m));
        Void(scenario, "c3");
        scenario.Record(Charge("c4", ChargeType.OtherAccessorial, 10m));

        Assert.Equal(["INV-SHP-1001~A1", "INV-SHP-1001~A2", "INV-SHP-1001~A3"], scenario.PublishedOf<AdjustmentRaised>().Select(raised => raised.InvoiceNumber));
    }

    [Fact]
    public void Voiding_a_bad_charge_before_the_invoice_unblocks_readiness()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Charge("c1", ChargeType.Linehaul, 1200m));
        scenario.Record(Charge("c2-cad", ChargeType.FuelSurcharge, 90m, "CAD"));
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));
        Assert.False(scenario.State.BillingReadyRaised);

        Void(scenario, "c2-cad", Charge("c2", ChargeType.FuelSurcharge, 90m));

        var ready = Assert.Single(scenario.PublishedOf<BillingReady>());
        Assert.Equal(["c1", "c2"], ready.Charges.Select(charge => charge.ChargeId));
        Assert.Empty(scenario.PublishedOf<AdjustmentRaised>());
    }

    [Fact]
    public void A_voided_charge_id_cannot_be_reused_and_an_unknown_one_cannot_be_voided()
    {
        var scenario = Invoiced();
        Void(scenario, "c2");

        var reused = scenario.Record(Charge("c2", ChargeType.FuelSurcharge, 90m));
        var unknown = Void(scenario, "nope");
        var takenReplacement = Void(scenario, "c1", Charge("c2", ChargeType.Linehaul, 5m));

        Assert.Equal(RejectionCode.ChargeConflict, reused.Rejection);
        Assert.Equal(RejectionCode.ChargeNotFound, unknown.Rejection);
        Assert.Equal(RejectionCode.ChargeConflict, takenReplacement.Rejection);
        Assert.Single(scenario.PublishedOf<AdjustmentRaised>());
    }

    [Fact]
    public void After_the_invoice_a_charge_in_another_currency_is_refused_and_changes_nothing()
    {
        var scenario = Invoiced();
        var before = scenario.State;

        var foreign = scenario.Record(Charge("c3", ChargeType.Detention, 40m, "CAD"));

        Assert.Equal(RejectionCode.ChargeCurrencyMismatch, foreign.Rejection);
        Assert.Same(before, scenario.State);
    }

    [Fact]
    public void A_void_needs_a_reason_and_a_valid_replacement()
    {
        var scenario = Invoiced();

        var noReason = scenario.Execute(state => ShipmentDecisions.VoidCharge(state, "c1", " ", null, Start));
        var badReplacement = Void(scenario, "c1", Charge("c1-fix", ChargeType.Linehaul, -5m));

        Assert.Contains("reason", noReason.Errors.Keys);
        Assert.Contains("replacement.amount.amount", badReplacement.Errors.Keys);
        Assert.True(scenario.State.Charges.ContainsKey("c1"));
    }

    [Fact]
    public void The_adjustments_of_one_shipment_are_bounded()
    {
        var scenario = Invoiced();
        for (var i = 0; i < ShipmentDecisions.MaxAdjustments; i++)
        {
            Assert.Equal(CommandOutcome.Applied, scenario.Record(Charge($"x{i}", ChargeType.OtherAccessorial, 1m)).Outcome);
        }

        var over = scenario.Record(Charge("one-too-many", ChargeType.OtherAccessorial, 1m));

        Assert.Equal(RejectionCode.AdjustmentLimitReached, over.Rejection);
        Assert.Equal(ShipmentDecisions.MaxAdjustments, scenario.State.AdjustmentNumbers.Length);
    }
}
