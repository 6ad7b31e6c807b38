using ShipmentGrid.Billing;
using ShipmentGrid.Customers;

namespace ShipmentGrid.Tests.Rules;

public sealed class CreditCheckTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static CustomerProfile Customer(decimal limit, decimal receivables, bool hold = false) =>
        new("CUST-7", "Northwind Traders", "USD", Usd(limit), Usd(receivables), hold, hold ? "Disputed invoices" : null, 30);

    private static Money Usd(decimal amount) => new(amount, "USD");

    private static HeldInvoice Held(string shipmentId, decimal total, int day) =>
        new(InvoiceNumbering.For(shipmentId), shipmentId, Usd(total), Day.AddDays(day));

    [Fact]
    public void An_invoice_within_the_limit_is_approved()
    {
        var decision = CreditCheck.Evaluate(Customer(limit: 10_000m, receivables: 8_000m), Usd(2_000m));

        Assert.True(decision.IsApproved);
    }

    [Fact]
    public void An_invoice_taking_receivables_over_the_limit_is_held()
    {
        var decision = CreditCheck.Evaluate(Customer(limit: 10_000m, receivables: 8_000m), Usd(2_000.01m));

        Assert.Equal(CreditHoldCause.OverLimit, decision.Cause);
        Assert.Contains("exceed the credit limit", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_customer_on_manual_hold_is_held_whatever_the_limit()
    {
        var decision = CreditCheck.Evaluate(Customer(limit: 1_000_000m, receivables: 0m, hold: true), Usd(1m));

        Assert.Equal(CreditHoldCause.ManualHold, decision.Cause);
        Assert.Contains("Disputed invoices", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invoice_in_another_currency_is_held_not_compared()
    {
        var decision = CreditCheck.Evaluate(Customer(limit: 10_000m, receivables: 0m), new Money(5m, "EUR"));

        Assert.Equal(CreditHoldCause.CurrencyMismatch, decision.Cause);
    }

    [Fact]
    public void Nothing_is_released_while_the_manual_hold_stands()
    {
        var releasable = CreditCheck.ReleasableInvoices(Customer(limit: 10_000m, receivables: 0m, hold: true), [Held("S1", 10m, 1)]);

        Assert.Empty(releasable);
    }

    [Fact]
    public void Lifting_the_hold_releases_held_invoices_oldest_first()
    {
        var released = Customer(limit: 10_000m, receivables: 0m, hold: true) with { CreditHold = false, CreditHoldReason = null };

        var releasable = CreditCheck.ReleasableInvoices(released, [Held("S3", 100m, 3), Held("S1", 100m, 1), Held("S2", 100m, 2)]);

        Assert.Equal(["INV-S1", "INV-S2", "INV-S3"], releasable.Select(invoice => invoice.InvoiceNumber));
    }

    [Fact]
    public void A_payment_releases_as_many_oldest_invoices_as_fit_and_stops_at_the_first_that_does_not()
    {
        var customer = Customer(limit: 10_000m, receivables: 10_000m);
        HeldInvoice[] held = [Held("S1", 3_000m, 1), Held("S2", 2_500m, 2), Held("S3", 500m, 3)];
        Assert.Empty(CreditCheck.ReleasableInvoices(customer, held));

        var paid = CreditCheck.RecordPayment(customer, Usd(5_000m));
        var releasable = CreditCheck.ReleasableInvoices(paid, held);

        // S1 fits (8,000); S2 would make 10,500; S3 would fit but must not jump the queue.
        Assert.Equal(["INV-S1"], releasable.Select(invoice => invoice.InvoiceNumber));
        Assert.Equal(5_000m, paid.OpenReceivables.Amount);
    }

    [Fact]
    public void A_limit_increase_releases_held_invoices_up_to_the_new_limit()
    {
        var customer = Customer(limit: 5_000m, receivables: 5_000m);
        HeldInvoice[] held = [Held("S2", 2_000m, 2), Held("S1", 1_000m, 1), Held("S3", 4_000m, 3)];

        var releasable = CreditCheck.ReleasableInvoices(customer with { CreditLimit = Usd(8_000m) }, held);

        Assert.Equal(["INV-S1", "INV-S2"], releasable.Select(invoice => invoice.InvoiceNumber));
    }

    [Fact]
    public void Posting_adds_the_invoice_to_open_receivables()
    {
        var posted = CreditCheck.RecordPosting(Customer(limit: 5_000m, receivables: 1_000m), Usd(250.25m));

        Assert.Equal(Usd(1_250.25m), posted.OpenReceivables);
    }
}
