using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

public sealed class InvoiceTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);

    private static BillingReady Ready(params Charge[] charges) =>
        new("SHP-1001/billing-ready", "SHP-1001", At, "CUST-7", "USD", [.. charges]);

    [Fact]
    public void The_invoice_number_is_a_function_of_the_shipment()
    {
        Assert.Equal("INV-SHP-1001", InvoiceNumbering.For("SHP-1001"));
        Assert.Equal(InvoiceNumbering.For("SHP-1001"), InvoiceNumbering.For("SHP-1001"));
        Assert.NotEqual(InvoiceNumbering.For("SHP-1001"), InvoiceNumbering.For("SHP-1002"));
    }

    [Fact]
    public void Lines_trace_to_charges_and_the_total_is_in_the_customers_currency()
    {
        var invoice = InvoiceBuilder.Build(
            Ready(
                ShipmentScenario.Charge("c9", ChargeType.FuelSurcharge, 96.55m),
                ShipmentScenario.Charge("c2", ChargeType.Linehaul, 1200m),
                ShipmentScenario.Charge("c5", ChargeType.Detention, 150.10m)),
            At);

        Assert.Equal("INV-SHP-1001", invoice.InvoiceNumber);
        Assert.Equal(InvoiceStatus.Draft, invoice.Status);
        Assert.Equal(new Money(1446.65m, "USD"), invoice.Total);
        Assert.Equal(
            [(1, "c2", "210-c2"), (2, "c9", "210-c9"), (3, "c5", "210-c5")],
            invoice.Lines.Select(line => (line.LineNumber, line.ChargeId, line.SourceReference)));
    }

    [Fact]
    public void The_same_charges_in_another_order_build_the_same_invoice()
    {
        var linehaul = ShipmentScenario.Charge("c1", ChargeType.Linehaul, 1200m);
        var fuel = ShipmentScenario.Charge("c2", ChargeType.FuelSurcharge, 90m);

        var first = InvoiceBuilder.Build(Ready(linehaul, fuel), At);
        var second = InvoiceBuilder.Build(Ready(fuel, linehaul), At);

        Assert.Equal(first.Lines.AsEnumerable(), second.Lines);
        Assert.Equal(first with { Lines = second.Lines }, second);
    }

    [Fact]
    public void A_charge_in_another_currency_is_a_broken_invariant()
    {
        var ready = Ready(ShipmentScenario.Charge("c1", ChargeType.Linehaul, 1200m, "EUR"));

        Assert.Throws<InvalidOperationException>(() => InvoiceBuilder.Build(ready, At));
    }
}
