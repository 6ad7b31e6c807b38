using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

public sealed class ChargeRulesTests
{
    [Fact]
    public void The_same_charge_again_is_a_duplicate()
    {
        var scenario = new ShipmentScenario().Book();
        var linehaul = Charge("c1", ChargeType.Linehaul, 1200m);
        scenario.Record(linehaul);

        var again = scenario.Record(linehaul);

        Assert.Equal(CommandOutcome.Duplicate, again.Outcome);
        Assert.Single(scenario.State.Charges);
    }

    [Fact]
    public void The_same_charge_id_with_other_content_is_rejected_as_a_conflict()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Charge("c1", ChargeType.Linehaul, 1200m));

        var changed = scenario.Record(Charge("c1", ChargeType.Linehaul, 1300m));

        Assert.Equal(RejectionCode.ChargeConflict, changed.Rejection);
        Assert.Equal(1200m, scenario.State.Charges["c1"].Amount.Amount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public void A_charge_amount_must_be_positive(int amount)
    {
        var decision = ShipmentDecisions.RecordCharge(Booked(), Charge("c1", ChargeType.Linehaul, amount), Start);

        Assert.Equal(RejectionCode.ValidationFailed, decision.Rejection);
        Assert.Equal(["Must be positive."], decision.Errors["amount.amount"].AsEnumerable());
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("US")]
    [InlineData("")]
    public void A_charge_currency_must_be_an_iso_code(string currency)
    {
        var decision = ShipmentDecisions.RecordCharge(Booked(), Charge("c1", ChargeType.Linehaul, 10m, currency), Start);

        Assert.Equal(RejectionCode.ValidationFailed, decision.Rejection);
        Assert.Contains("amount.currency", decision.Errors.Keys);
    }

    [Fact]
    public void Charges_for_a_shipment_that_is_not_booked_are_rejected()
    {
        var decision = ShipmentDecisions.RecordCharge(ShipmentState.Empty, Charge("c1", ChargeType.Linehaul, 10m), Start);

        Assert.Equal(RejectionCode.ShipmentNotBooked, decision.Rejection);
    }
}
