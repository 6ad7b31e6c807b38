using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

public sealed class CarrierValidationTests
{
    private static CarrierProfile Acme => SampleCarriers.Acme;

    [Fact]
    public void A_complete_profile_has_no_errors()
    {
        Assert.Empty(CarrierValidation.Validate(Acme));
        Assert.Empty(CarrierValidation.Validate(Acme with { Scac = "AB" }));
    }

    [Theory]
    [InlineData("A")]
    [InlineData("ACMEF")]
    [InlineData("acme")]
    [InlineData("AC1E")]
    [InlineData("")]
    public void A_scac_is_two_to_four_upper_case_letters(string scac)
    {
        Assert.Equal(["scac"], CarrierValidation.Validate(Acme with { Scac = scac }).Keys);
    }

    [Fact]
    public void Name_carrier_id_and_sla_errors_name_each_field()
    {
        var profile = Acme with { CarrierId = "has space", Name = " ", Sla = new CarrierSla(TimeSpan.FromHours(-1), 101m) };

        var errors = CarrierValidation.Validate(profile);

        Assert.Equal(
            ["carrierId", "name", "sla.deliveryTolerance", "sla.onTimeTargetPercent"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Required."], errors["name"].AsEnumerable());
    }

    [Fact]
    public void Mapping_codes_must_not_be_empty_and_must_map_to_a_known_meaning()
    {
        var profile = Acme with
        {
            MilestoneCodes = Acme.MilestoneCodes.Add(" ", MilestoneType.InTransit),
            ChargeCodes = Acme.ChargeCodes.Add("", ChargeType.Detention).Add("XX", (ChargeType)42),
        };

        var errors = CarrierValidation.Validate(profile);

        Assert.Equal(["chargeCodes", "chargeCodes.XX", "milestoneCodes"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Codes must not be empty."], errors["milestoneCodes"].AsEnumerable());
    }

    [Fact]
    public void A_status_code_mapped_to_both_a_milestone_and_an_exception_is_refused()
    {
        var profile = Acme with { ExceptionCodes = Acme.ExceptionCodes.Add("D1", ExceptionKind.Refused) };

        Assert.Equal(["exceptionCodes.D1"], CarrierValidation.Validate(profile).Keys);
    }

    [Fact]
    public void The_same_profile_rebuilt_is_the_same_and_a_changed_mapping_is_not()
    {
        var rebuilt = Acme with { ChargeCodes = ImmutableDictionary<string, ChargeType>.Empty.Add("FUE", ChargeType.FuelSurcharge).Add("400", ChargeType.Linehaul) };
        var remapped = Acme with { ChargeCodes = Acme.ChargeCodes.SetItem("FUE", ChargeType.OtherAccessorial) };
        var extended = Acme with { ChargeCodes = Acme.ChargeCodes.Add("405", ChargeType.FuelSurcharge) };

        Assert.True(CarrierCodes.SameProfile(Acme, rebuilt));
        Assert.False(CarrierCodes.SameProfile(Acme, remapped));
        Assert.False(CarrierCodes.SameProfile(Acme, extended));
        Assert.False(CarrierCodes.SameProfile(Acme, Acme with { Sla = Acme.Sla with { OnTimeTargetPercent = 90m } }));
    }
}
