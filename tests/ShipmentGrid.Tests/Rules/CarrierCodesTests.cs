using ShipmentGrid.Billing;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

public sealed class CarrierCodesTests
{
    private static CarrierProfile Acme => SampleCarriers.Acme;

    [Fact]
    public void Status_codes_map_to_a_milestone_or_a_delivery_exception_per_carrier()
    {
        Assert.Equal(new CarrierStatusMeaning(MilestoneType.Delivered, null), CarrierCodes.StatusMeaning(Acme, "D1"));
        Assert.Equal(new CarrierStatusMeaning(null, ExceptionKind.Damaged), CarrierCodes.StatusMeaning(Acme, "A9"));
        Assert.Null(CarrierCodes.StatusMeaning(Acme, "AG"));
    }

    [Fact]
    public void Charge_codes_map_per_carrier_and_unknown_codes_are_not_guessed()
    {
        Assert.Equal(ChargeType.FuelSurcharge, CarrierCodes.ChargeTypeOf(Acme, "FUE"));
        Assert.Null(CarrierCodes.ChargeTypeOf(Acme, "405"));
    }
}
