using System.Collections.Immutable;
using Orleans.Concurrency;
using ShipmentGrid.Billing;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Customers;

/// <summary>A customer as billing and credit see it, keyed by the customer id.</summary>
[Alias("sg.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Registers the customer; the same registration again is a duplicate, another a rejection.</summary>
    [Alias("Register")]
    Task<CommandResult> Register(CustomerRegistration registration);

    /// <summary>The customer, or null when never registered.</summary>
    [Alias("GetProfile")]
    Task<CustomerProfile?> GetProfile();

    /// <summary>Credit as finance sees it: held invoices (oldest first), credit reserved for postings, notices.</summary>
    [Alias("GetCredit")]
    Task<CustomerCredit?> GetCredit();

    /// <summary>Puts the customer on manual credit hold: every new invoice is held until the hold lifts.</summary>
    [Alias("PlaceHold")]
    Task<CommandResult> PlaceHold(string reason);

    /// <summary>Lifts the manual hold; held invoices that fit the limit post, oldest first, after this call answers.</summary>
    [Alias("ReleaseHold")]
    Task<CommandResult> ReleaseHold();

    /// <summary>Sets the credit limit (billing currency); a higher limit releases held invoices that now fit.</summary>
    [Alias("SetCreditLimit")]
    Task<CommandResult> SetCreditLimit(decimal amount);

    /// <summary>
    /// Records a payment once per payment id: it lowers receivables and releases held invoices that now fit. The
    /// payment is stored with the customer first and reaches the ERP ledger afterwards (retried until it lands).
    /// The same id again with the same amount is a duplicate; with another amount it is rejected
    /// (<see cref="RejectionCode.PaymentIdReused"/>).
    /// </summary>
    [Alias("RecordPayment")]
    Task<CommandResult> RecordPayment(CustomerPayment payment);

    /// <summary>The ERP ledger holds this payment: the customer stops sending it. Idempotent.</summary>
    [Alias("RecordPaymentInLedger")]
    Task RecordPaymentInLedger(string paymentId);

    /// <summary>
    /// The invoice grain asks before posting. Approved reserves the amount against the limit in the same turn,
    /// so two invoices can never both pass it; otherwise the invoice is held and finance is told. Asking again
    /// for the same invoice answers the first decision.
    /// </summary>
    [Alias("RequestCredit")]
    Task<CreditDecision> RequestCredit(HeldInvoice invoice);

    /// <summary>
    /// The invoice is in the ERP: its reservation becomes an open receivable, once per invoice number (an invoice
    /// no longer reserved is already counted), and the next released invoice is told.
    /// </summary>
    [Alias("RecordPosted")]
    Task RecordPosted(string invoiceNumber, Money total);
}

/// <summary>What a caller provides to open a customer account.</summary>
[GenerateSerializer, Immutable, Alias("sg.customer-registration.v1")]
public sealed record CustomerRegistration(
    [Id(0)] string CustomerId,
    [Id(1)] string Name,
    [Id(2)] string BillingCurrency,
    [Id(3)] decimal CreditLimit,
    [Id(4)] int PaymentTermsDays);

/// <summary>A payment received from the customer, in the billing currency; the payment id makes it idempotent.</summary>
[GenerateSerializer, Immutable, Alias("sg.customer-payment.v1")]
public sealed record CustomerPayment([Id(0)] string PaymentId, [Id(1)] decimal Amount);

/// <summary>A payment the customer has taken into its credit and that is on its way to the ERP ledger.</summary>
[GenerateSerializer, Immutable, Alias("sg.ledger-payment.v1")]
public sealed record LedgerPayment([Id(0)] string CustomerId, [Id(1)] string PaymentId, [Id(2)] Money Amount, [Id(3)] DateTimeOffset ReceivedAt);

/// <summary>
/// Carries payments from a customer to the ERP ledger, so the ledger call never runs in the customer's turn. A
/// stateless worker: the customer keeps the payment until <see cref="ICustomerGrain.RecordPaymentInLedger"/>
/// comes back and sends it again on its reminder, and the ledger takes a payment id once.
/// </summary>
[Alias("sg.IPaymentLedgerGrain")]
public interface IPaymentLedgerGrain : IGrainWithIntegerKey
{
    /// <summary>Writes the payment to the ledger and reports back to the customer; a failure waits for the customer's resend.</summary>
    [Alias("Record"), OneWay]
    Task Record(LedgerPayment payment);
}

/// <summary>
/// A customer's credit position. <see cref="Reserved"/> is credit taken by approved invoices not yet in the ERP;
/// <see cref="FinanceNotices"/> are the credit-hold notices for finance (delivered by the exceptions queue).
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.customer-credit.v1")]
public sealed record CustomerCredit(
    [Id(0)] CustomerProfile Profile,
    [Id(1)] ImmutableArray<HeldInvoice> HeldInvoices,
    [Id(2)] Money Reserved,
    [Id(3)] ImmutableArray<ExceptionItem> FinanceNotices);
