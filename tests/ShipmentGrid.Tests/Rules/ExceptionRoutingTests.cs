using ShipmentGrid.Billing;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

public sealed class ExceptionRoutingTests
{
    [Theory]
    [InlineData(ExceptionQueue.BillingIncomplete, OwnerTeam.Operations | OwnerTeam.Finance)]
    [InlineData(ExceptionQueue.CreditHold, OwnerTeam.Finance | OwnerTeam.CustomerService)]
    [InlineData(ExceptionQueue.DeliveryException, OwnerTeam.Operations | OwnerTeam.CustomerService)]
    [InlineData(ExceptionQueue.ErpFailure, OwnerTeam.Finance)]
    [InlineData(ExceptionQueue.DeadLetter, OwnerTeam.Operations)]
    public void Each_queue_has_its_owner_teams(ExceptionQueue queue, OwnerTeam owners)
    {
        Assert.Equal(owners, ExceptionRouting.OwnersOf(queue));
    }

    [Fact]
    public void A_billing_incomplete_shipment_opens_one_item_per_shipment_naming_what_is_missing()
    {
        var at = new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);
        var incomplete = new BillingIncomplete(
            "SHP-1/billing-incomplete",
            "SHP-1",
            at,
            "CUST-7",
            [new BillingProblem(BillingProblemKind.ChargeMissing, ChargeType.FuelSurcharge, null, "FuelSurcharge charge missing.")]);

        var item = ExceptionRouting.Open(incomplete);

        Assert.Equal("billing-incomplete/shipment/SHP-1", item.ExceptionId);
        Assert.Equal(ExceptionRouting.Open(incomplete).ExceptionId, item.ExceptionId);
        Assert.Equal("FuelSurcharge charge missing.", item.Reason);
        Assert.Equal(OwnerTeam.Operations | OwnerTeam.Finance, item.Owners);
        Assert.True(item.IsOpen);
    }
}
