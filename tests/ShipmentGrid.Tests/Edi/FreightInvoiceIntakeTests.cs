using ShipmentGrid.Billing;
using ShipmentGrid.Edi;
using ShipmentGrid.Tests.Rules;
using static ShipmentGrid.Tests.Edi.X12Samples;

namespace ShipmentGrid.Tests.Edi;

public sealed class FreightInvoiceIntakeTests
{
    private static EdiInterchangeResult ReadOne(string set, string version = "004010", EdiIntakeContext? context = null) =>
        Read(Interchange(Group("IM", "1", version, set)), context);

    private static EdiSetResult OnlySet(EdiInterchangeResult result) => Assert.Single(Assert.Single(result.Groups).Sets);

    [Fact]
    public void An_invoice_becomes_charges_with_implied_decimals_and_its_weight_and_quantity_beside_them()
    {
        var result = ReadOne(Invoice210("0001"));

        var invoice = Assert.Single(result.Invoices);
        Assert.Equal(("INV-7", "SHP-1", new DateOnly(2025, 1, 8), "PP"), (invoice.InvoiceNumber, invoice.ShipmentId, invoice.InvoiceDate, invoice.PaymentMethod));
        Assert.Equal(new Money(1650.00m, "USD"), invoice.NetAmount);
        Assert.Equal(new Money(1650.00m, "USD"), invoice.TotalCharge);
        var linehaul = invoice.Lines[0];
        Assert.Equal(ChargeType.Linehaul, linehaul.Charge.Type);
        Assert.Equal(new Money(1500.00m, "USD"), linehaul.Charge.Amount);
        Assert.Equal((ChargeSource.CarrierInvoice, "INV-7"), (linehaul.Charge.Source, linehaul.Charge.SourceReference));
        Assert.Equal(("1", "400", "Freight all kinds"), (linehaul.LineNumber, linehaul.ChargeCode, linehaul.Description));
        Assert.Equal((1200m, "L", 10m, "PLT"), (linehaul.Weight, linehaul.WeightUnit, linehaul.Quantity, linehaul.QuantityUnit));
        var fuel = invoice.Lines[1];
        Assert.Equal((ChargeType.FuelSurcharge, 150.00m), (fuel.Charge.Type, fuel.Charge.Amount.Amount));
        Assert.Null(fuel.Weight);
        Assert.Equal(2, OnlySet(result).Charges);
        Assert.Equal([("SHP-1", linehaul.Charge), ("SHP-1", fuel.Charge)], result.Charges());
    }

    [Theory]
    [InlineData("FUE", ChargeType.FuelSurcharge)]
    [InlineData("405", ChargeType.FuelSurcharge)]
    [InlineData("DET", ChargeType.OtherAccessorial)]
    public void Charge_codes_default_to_DOMAIN_and_unknown_ones_are_billed_as_other_accessorial_with_a_warning(string code, ChargeType type)
    {
        var result = ReadOne(Invoice210("0001", fuelCode: code));

        Assert.Equal(type, Assert.Single(result.Invoices).Lines[1].Charge.Type);
        Assert.Equal(type == ChargeType.OtherAccessorial, OnlySet(result).Warnings.Any(warning => warning.Contains($"'{code}'", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_carriers_own_charge_code_wins()
    {
        var carrier = SampleCarriers.Acme with { ChargeCodes = SampleCarriers.Acme.ChargeCodes.Add("DET", ChargeType.Detention).Add("405", ChargeType.SpecialHandling) };

        var detention = ReadOne(Invoice210("0001", fuelCode: "DET"), context: Context() with { Carrier = carrier });
        var special = ReadOne(Invoice210("0001", fuelCode: "405"), context: Context() with { Carrier = carrier });

        Assert.Equal(ChargeType.Detention, Assert.Single(detention.Invoices).Lines[1].Charge.Type);
        Assert.Equal(ChargeType.SpecialHandling, Assert.Single(special.Invoices).Lines[1].Charge.Type);
    }

    [Theory]
    [InlineData("165000", "165001", "L305 total 1650.01 does not match the sum of the L1 lines, 1650.00.")]
    [InlineData("164999", "165000", "B307 net amount 1649.99 does not match the sum of the L1 lines, 1650.00.")]
    public void Totals_that_do_not_match_the_lines_refuse_the_invoice(string net, string total, string reason)
    {
        var result = ReadOne(Invoice210("0001", net: net, total: total));

        Assert.Equal((EdiSetStatus.Refused, reason), (OnlySet(result).Status, OnlySet(result).Reason));
        Assert.Empty(result.Invoices);
    }

    [Theory]
    [InlineData("B3**INV*SHP-1*PP**20250108*1500.00****ACME|L1*1***150000", "B307 net amount '1500.00' is not an amount with two implied decimals.")]
    [InlineData("B3**INV*SHP-1*PP**20250108*150000****ACME|L1*1***1500.00", "L104 charge '1500.00' of L1 line 1 (LX (none)) is not an amount")]
    [InlineData("B3**INV*SHP-1*PP**20250108*150000****ACME|L1*1***150000|L3*****15O000", "L305 total '15O000'")]
    [InlineData("B3**INV*SHP-1*PP**20251308*150000****ACME|L1*1***150000", "B306 invoice date '20251308' is not a valid date.")]
    [InlineData("B3***SHP-1*PP**20250108*150000****ACME|L1*1***150000", "B302 invoice number missing.")]
    [InlineData("B3**INV**PP**20250108*150000****ACME|L1*1***150000", "B303 shipment id missing.")]
    [InlineData("B3**INV*SHP-1*PP**20250108*150000****ACME", "L1 missing: the invoice has no charge lines.")]
    [InlineData("C3*USD|L1*1***150000", "B3 missing.")]
    [InlineData("B3**INV*SHP-1*PP**20250108*150000****ACME|C3*XYZ|L1*1***150000", "C301 currency 'XYZ' is not an ISO 4217 code.")]
    [InlineData("B3**INV*SHP-1*PP**20250108*150050****ACME|C3*JPY|L1*1***150050", "Amount 1500.50 has more decimals than JPY allows (0).")]
    [InlineData("B3**INV*SHP-1*PP**20250108*150000****ACME|LX*1|L0*1*1*FR*heavy*G|L1*1***150000", "L0 of LX 1: weight 'heavy'")]
    public void A_malformed_210_is_rejected_with_its_reason(string body, string reason)
    {
        var set = OnlySet(ReadOne(Set("210", "0001", body.Split('|'))));

        Assert.Equal(EdiSetStatus.Rejected, set.Status);
        Assert.StartsWith(reason, set.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invoice_for_another_SCAC_is_refused()
    {
        var set = OnlySet(ReadOne(Set("210", "0001", "B3**INV*SHP-1*PP**20250108*150000****OTHR", "L1*1***150000****400")));

        Assert.Equal(EdiSetStatus.Refused, set.Status);
    }

    [Fact]
    public void Without_C3_amounts_are_dollars_with_a_warning_and_negative_lines_are_kept()
    {
        var result = ReadOne(Set("210", "0001", "B3**INV*SHP-1*PP**20250108*140000****ACME", "L1*1***150000****400", "L1*2***-10000****DSC"));

        var invoice = Assert.Single(result.Invoices);
        Assert.Equal(new Money(1400m, "USD"), invoice.NetAmount);
        Assert.Equal(-100m, invoice.Lines[1].Charge.Amount.Amount);
        Assert.Contains(OnlySet(result).Warnings, warning => warning.StartsWith("No C3 currency", StringComparison.Ordinal));
    }

    [Fact]
    public void A_zero_decimal_currency_takes_whole_amounts()
    {
        var result = ReadOne(Set("210", "0001", "B3**INV*SHP-1*PP**20250108*1500000****ACME", "C3*JPY", "L1*1***1500000****400"));

        Assert.Equal(new Money(15000m, "JPY"), Assert.Single(result.Invoices).NetAmount);
    }

    [Fact]
    public void Version_3070_takes_a_six_digit_invoice_date()
    {
        var result = ReadOne(Set("210", "0001", "B3**INV*SHP-1*PP**991231*150000****ACME", "L1*1***150000****400"), version: "003070");

        Assert.Equal(new DateOnly(1999, 12, 31), Assert.Single(result.Invoices).InvoiceDate);
    }

    [Fact]
    public void Charge_ids_are_the_same_when_an_invoice_is_resent_and_differ_per_line_and_invoice()
    {
        var first = Read(Interchange("000000001", "00401", 'U', Group("IM", "1", "004010", Invoice210("0001"))));
        var resent = Read(Interchange("000000002", "00401", 'U', Group("IM", "7", "004010", Invoice210("0009"))));
        var corrected = Read(Interchange(Group("IM", "1", "004010", Invoice210("0001", net: "166000", total: "166000").Replace("*15000*", "*16000*", StringComparison.Ordinal))));
        var another = Read(Interchange(Group("IM", "1", "004010", Invoice210("0001", invoice: "INV-8"))));

        var ids = first.Charges().Select(charge => charge.Charge.ChargeId).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(ids, resent.Charges().Select(charge => charge.Charge.ChargeId));
        Assert.Equal(ids, corrected.Charges().Select(charge => charge.Charge.ChargeId));
        Assert.Empty(ids.Intersect(another.Charges().Select(charge => charge.Charge.ChargeId)));
    }

    [Fact]
    public void A_refused_invoice_does_not_stop_the_statuses_and_invoices_beside_it()
    {
        var result = Read(Interchange(
            Group("QM", "1", "004010", Status214("0001")),
            Group("IM", "2", "004010", Invoice210("0001", total: "1"), Invoice210("0002", invoice: "INV-9"))));

        Assert.Single(result.CarrierEvents());
        Assert.Equal("INV-9", Assert.Single(result.Invoices).InvoiceNumber);
        Assert.Equal([EdiSetStatus.Refused, EdiSetStatus.Accepted], result.Groups[1].Sets.Select(set => set.Status));
    }
}
