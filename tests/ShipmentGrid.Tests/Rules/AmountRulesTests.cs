using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Validation;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

/// <summary>Money in requests: an active ISO 4217 currency, at most 10^12, no more decimals than the currency's minor units.</summary>
public sealed class AmountRulesTests
{
    [Theory]
    [InlineData("USD", 2)]
    [InlineData("CAD", 2)]
    [InlineData("EUR", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("KWD", 3)]
    [InlineData("BHD", 3)]
    [InlineData("TND", 3)]
    [InlineData("CLF", 4)]
    [InlineData("UYW", 4)]
    public void The_table_knows_the_minor_units_of_active_currencies(string code, int minorUnits) =>
        Assert.Equal(minorUnits, Iso4217.MinorUnits(code));

    [Theory]
    [InlineData("XYZ")]
    [InlineData("HRK")]
    [InlineData("XAU")]
    [InlineData("usd")]
    [InlineData(null)]
    public void Unknown_withdrawn_metal_or_lower_case_codes_are_not_currencies(string? code) =>
        Assert.Null(Iso4217.MinorUnits(code));

    [Fact]
    public void The_table_covers_the_active_list_with_three_letter_codes() =>
        Assert.True(Iso4217.Codes.Count() >= 150 && Iso4217.Codes.All(code => code.Length == 3 && code.All(char.IsAsciiLetterUpper)));

    [Theory]
    [InlineData(1200.5, "USD")]
    [InlineData(1200.25, "USD")]
    [InlineData(1200.00, "JPY")]
    [InlineData(1200.125, "KWD")]
    [InlineData(0.0001, "CLF")]
    [InlineData(1000000000000, "USD")]
    public void A_charge_within_the_bound_and_the_currency_decimals_is_valid(double amount, string currency) =>
        Assert.Empty(ChargeValidation.Validate(Charge("c1", ChargeType.Linehaul, (decimal)amount) with { Amount = new Money((decimal)amount, currency) }));

    [Theory]
    [InlineData(1200.125, "USD")]
    [InlineData(1200.5, "JPY")]
    [InlineData(1.0001, "KWD")]
    [InlineData(1000000000000.01, "USD")]
    public void A_charge_with_too_many_decimals_or_too_large_names_the_amount(double amount, string currency)
    {
        var errors = ChargeValidation.Validate(Charge("c1", ChargeType.Linehaul, 1m) with { Amount = new Money((decimal)amount, currency) });

        Assert.Equal(["amount.amount"], errors.Keys);
    }

    [Fact]
    public void A_charge_in_an_unknown_currency_names_the_currency_and_says_why()
    {
        var errors = ChargeValidation.Validate(Charge("c1", ChargeType.Linehaul, 10m) with { Amount = new Money(10m, "XYZ") });

        Assert.Equal(["amount.currency"], errors.Keys);
        Assert.Contains("Unknown currency 'XYZ'", errors["amount.currency"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_registration_credit_limit_follows_the_billing_currency()
    {
        var yen = new CustomerRegistration("C-1", "Yen Co", "JPY", 1000.5m, 30);

        Assert.Equal(["creditLimit"], CustomerValidation.Validate(yen).Keys);
        Assert.Empty(CustomerValidation.Validate(yen with { CreditLimit = 1000m }));
        Assert.Equal(["billingCurrency"], CustomerValidation.Validate(yen with { BillingCurrency = "ABC", CreditLimit = 1000m }).Keys);
        Assert.Equal(["creditLimit"], CustomerValidation.Validate(yen with { CreditLimit = 2_000_000_000_000m }).Keys);
    }

    [Fact]
    public void Before_the_currency_is_known_payments_and_limits_take_at_most_four_decimals()
    {
        Assert.Empty(CustomerValidation.ValidatePayment("P-1", 10.1234m, billingCurrency: null));
        Assert.Equal(["amount"], CustomerValidation.ValidatePayment("P-1", 10.12345m, billingCurrency: null).Keys);
        Assert.Equal(["amount"], CustomerValidation.ValidatePayment("P-1", 10.125m, "USD").Keys);
        Assert.Equal(["amount"], CustomerValidation.ValidateCreditLimit(5.5m, "JPY").Keys);
        Assert.Equal(["amount"], CustomerValidation.ValidateCreditLimit(decimal.MaxValue, billingCurrency: null).Keys);
    }

    [Theory]
    [InlineData("LINEHAUL", ChargeType.Linehaul)]
    [InlineData("FUEL_SURCHARGE", ChargeType.FuelSurcharge)]
    [InlineData("DETENTION", ChargeType.Detention)]
    [InlineData("SPECIAL_HANDLING", ChargeType.SpecialHandling)]
    [InlineData("OTHER_ACCESSORIAL", ChargeType.OtherAccessorial)]
    [InlineData("FuelSurcharge", ChargeType.FuelSurcharge)]
    [InlineData("fuelsurcharge", ChargeType.FuelSurcharge)]
    public void Charge_types_read_the_standard_codes_and_the_grids_names(string text, ChargeType expected) =>
        Assert.Equal(expected, ChargeTypeCodes.Parse(text));

    [Theory]
    [InlineData("FUEL")]
    [InlineData("1")]
    [InlineData("fuel_surcharge")]
    [InlineData("")]
    public void Other_spellings_are_no_charge_type(string text) => Assert.Null(ChargeTypeCodes.Parse(text));
}
