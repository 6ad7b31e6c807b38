using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Customers;

/// <summary>DOMAIN step 5: the customer's credit decides whether an invoice posts now or waits on hold.</summary>
public static class CreditCheck
{
    /// <summary>
    /// Hold when the customer is on manual hold, or posting would take receivables over the limit. A credit note (a
    /// total that is not positive) only lowers what the customer owes, so nothing holds it but a foreign currency.
    /// </summary>
    public static CreditDecision Evaluate(CustomerProfile customer, Money invoiceTotal)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(invoiceTotal);
        if (!invoiceTotal.IsPositive && InCustomerCurrency(customer, invoiceTotal))
        {
            return CreditDecision.Approved;
        }

        if (customer.CreditHold)
        {
            return new CreditDecision(CreditHoldCause.ManualHold, $"Customer {customer.CustomerId} is on credit hold: {customer.CreditHoldReason ?? "no reason given"}.");
        }

        if (!InCustomerCurrency(customer, invoiceTotal))
        {
            return new CreditDecision(
                CreditHoldCause.CurrencyMismatch, $"Invoice total is in {invoiceTotal.Currency}; customer {customer.CustomerId} is billed in {customer.BillingCurrency}.");
        }

        var exposure = customer.OpenReceivables + invoiceTotal;
        return exposure.Amount > customer.CreditLimit.Amount
            ? new CreditDecision(
                CreditHoldCause.OverLimit,
                $"Open receivables {customer.OpenReceivables} plus invoice {invoiceTotal} exceed the credit limit {customer.CreditLimit}.")
            : CreditDecision.Approved;
    }

    /// <summary>
    /// The held invoices that can post now, oldest first, each counted against the limit as if the ones
    /// before it had posted. Stops at the first that does not fit rather than skipping ahead, so a large old
    /// invoice is never starved by smaller new ones.
    /// </summary>
    public static ImmutableArray<HeldInvoice> ReleasableInvoices(CustomerProfile customer, IEnumerable<HeldInvoice> held)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(held);
        if (customer.CreditHold)
        {
            return [];
        }

        var releasable = ImmutableArray.CreateBuilder<HeldInvoice>();
        var receivables = customer.OpenReceivables;
        foreach (var invoice in held.OrderBy(invoice => invoice.HeldAt).ThenBy(invoice => invoice.InvoiceNumber, StringComparer.Ordinal))
        {
            var decision = Evaluate(customer with { OpenReceivables = receivables }, invoice.Total);
            if (!decision.IsApproved)
            {
                break;
            }

            releasable.Add(invoice);
            receivables += invoice.Total;
        }

        return releasable.ToImmutable();
    }

    /// <summary>A posted invoice becomes an open receivable.</summary>
    public static CustomerProfile RecordPosting(CustomerProfile customer, Money invoiceTotal)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return customer with { OpenReceivables = customer.OpenReceivables + invoiceTotal };
    }

    /// <summary>A payment settles receivables; an overpayment leaves a credit balance (negative receivables).</summary>
    public static CustomerProfile RecordPayment(CustomerProfile customer, Money payment)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return customer with { OpenReceivables = customer.OpenReceivables - payment };
    }

    private static bool InCustomerCurrency(CustomerProfile customer, Money amount) =>
        string.Equals(amount.Currency, customer.BillingCurrency, StringComparison.Ordinal)
        && string.Equals(customer.OpenReceivables.Currency, customer.BillingCurrency, StringComparison.Ordinal)
        && string.Equals(customer.CreditLimit.Currency, customer.BillingCurrency, StringComparison.Ordinal);
}
