using FsCheck;
using FsCheck.Fluent;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Tests.Rules;

/// <summary>
/// Invoice numbers name one shipment and document whatever the shipment id holds, including ids that look like an
/// adjustment suffix ("S-A1"), start with the prefix ("INV-X") or are made of separators only.
/// </summary>
public sealed class InvoiceNumberingProperties
{
    private static readonly char[] IdentifierChars = [.. "aA19.-_"];

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Every_number_parses_back_to_its_shipment_and_sequence() =>
        Prop.ForAll(Arb.From(Documents()), document =>
        {
            var number = NumberOf(document);
            return InvoiceNumbering.Parse(number) == document
                && InvoiceNumbering.ShipmentIdOf(number) == document.ShipmentId
                && InvoiceNumbering.IsAdjustment(number) == document.Sequence > 0
                && InvoiceNumbering.GrainKeyOf(number) == (document.Sequence == 0 ? document.ShipmentId : number[InvoiceNumbering.Prefix.Length..]);
        });

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Two_different_documents_never_share_a_number() =>
        Prop.ForAll(Arb.From(Documents()), Arb.From(Documents()), (left, right) => left == right || NumberOf(left) != NumberOf(right));

    [Theory]
    [InlineData("INV-S~A0")]
    [InlineData("INV-S~A01")]
    [InlineData("INV-S~B1")]
    [InlineData("INV-S~A")]
    [InlineData("INV-S~A1~A2")]
    [InlineData("INV-~A1")]
    [InlineData("INV-")]
    [InlineData("INV-S/1")]
    [InlineData("INV-S~A99999999999")]
    [InlineData("SHP-1")]
    public void Text_that_is_not_one_of_our_numbers_resolves_to_nothing(string text)
    {
        Assert.Null(InvoiceNumbering.Parse(text));
        Assert.Null(InvoiceNumbering.GrainKeyOf(text));
    }

    [Fact]
    public void An_id_that_looks_like_an_adjustment_is_still_its_own_shipment()
    {
        Assert.Equal(("S-A1", 0), InvoiceNumbering.Parse(InvoiceNumbering.For("S-A1")));
        Assert.Equal(("S", 1), InvoiceNumbering.Parse(InvoiceNumbering.Adjustment("S", 1)));
        Assert.NotEqual(InvoiceNumbering.For("S-A1"), InvoiceNumbering.Adjustment("S", 1));
    }

    private static string NumberOf((string ShipmentId, int Sequence) document) =>
        document.Sequence == 0 ? InvoiceNumbering.For(document.ShipmentId) : InvoiceNumbering.Adjustment(document.ShipmentId, document.Sequence);

    private static Gen<(string ShipmentId, int Sequence)> Documents() =>
        from length in Gen.Choose(1, 12)
        from chars in Gen.ArrayOf(Gen.Elements(IdentifierChars), length)
        from sequence in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 120)))
        select (new string(chars), sequence);
}
