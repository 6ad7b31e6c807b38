using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using ShipmentGrid.Billing;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Customers;

/// <summary>
/// A customer's account: profile, credit limit, receivables and hold, persisted as grain state. The customer is
/// the one place that decides credit, so reservations, held invoices and releases are serialised per customer.
/// Released invoices are told after the release is stored and until each acknowledges (a reminder repeats the
/// telling after a crash); <see cref="IInvoiceGrain.Release"/> is idempotent, so each posts exactly once.
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", GridProviders.Storage)] IPersistentState<CustomerState> account,
    IErpGateway erp,
    TimeProvider clock,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain, IRemindable
{
    /// <summary>Repeats telling released invoices while any has not acknowledged.</summary>
    public const string ReleaseReminder = "release-held-invoices";

    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private CustomerState State => account.State;

    public async Task<CommandResult> Register(CustomerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var errors = CustomerValidation.Validate(registration);
        if (!errors.IsEmpty)
        {
            return Invalid(errors);
        }

        var profile = new CustomerProfile(
            registration.CustomerId,
            registration.Name,
            registration.BillingCurrency,
            new Money(registration.CreditLimit, registration.BillingCurrency),
            Money.Zero(registration.BillingCurrency),
            CreditHold: false,
            CreditHoldReason: null,
            registration.PaymentTermsDays);
        if (State.Profile is { } existing)
        {
            return existing.Name == profile.Name && existing.BillingCurrency == profile.BillingCurrency
                ? new CommandResult(CommandOutcome.Duplicate, RejectionCode.None, $"Customer {registration.CustomerId} is already registered.", FieldErrors.None)
                : new CommandResult(CommandOutcome.Rejected, RejectionCode.AlreadyExists, $"Customer {registration.CustomerId} is already registered with other details.", FieldErrors.None);
        }

        State.Profile = profile;
        await account.WriteStateAsync();
        return Applied;
    }

    public Task<CustomerProfile?> GetProfile() => Task.FromResult(State.Profile);

    public Task<CustomerCredit?> GetCredit() => Task.FromResult(
        State.Profile is { } profile
            ? new CustomerCredit(
                profile,
                [.. OldestFirst(State.Held.Values.Select(held => held.Invoice))],
                State.Reserved.Values.Aggregate(Money.Zero(profile.BillingCurrency), (sum, invoice) => sum + invoice.Total),
                [.. State.FinanceNotices])
            : null);

    public async Task<CommandResult> PlaceHold(string reason)
    {
        var errors = CustomerValidation.ValidateHoldReason(reason);
        if (!errors.IsEmpty)
        {
            return Invalid(errors);
        }

        if (State.Profile is not { } profile)
        {
            return NotFound;
        }

        if (profile.CreditHold && profile.CreditHoldReason == reason)
        {
            return Duplicate("The customer is already on credit hold for this reason.");
        }

        State.Profile = profile with { CreditHold = true, CreditHoldReason = reason };
        await account.WriteStateAsync();
        return Applied;
    }

    public async Task<CommandResult> ReleaseHold()
    {
        if (State.Profile is not { } profile)
        {
            return NotFound;
        }

        if (!profile.CreditHold)
        {
            return Duplicate("The customer is not on credit hold.");
        }

        State.Profile = profile with { CreditHold = false, CreditHoldReason = null };
        await ReleaseAndStoreAsync();
        return Applied;
    }

    public async Task<CommandResult> SetCreditLimit(decimal amount)
    {
        var errors = CustomerValidation.ValidateCreditLimit(amount);
        if (!errors.IsEmpty)
        {
            return Invalid(errors);
        }

        if (State.Profile is not { } profile)
        {
            return NotFound;
        }

        if (profile.CreditLimit.Amount == amount)
        {
            return Duplicate("The credit limit is already this amount.");
        }

        State.Profile = profile with { CreditLimit = profile.CreditLimit with { Amount = amount } };
        await ReleaseAndStoreAsync();
        return Applied;
    }

    public async Task<CommandResult> RecordPayment(CustomerPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var errors = CustomerValidation.ValidatePayment(payment.PaymentId, payment.Amount);
        if (!errors.IsEmpty)
        {
            return Invalid(errors);
        }

        if (State.Profile is not { } profile)
        {
            return NotFound;
        }

        if (State.Payments.Contains(payment.PaymentId))
        {
            return Duplicate($"Payment {payment.PaymentId} is already recorded.");
        }

        var amount = new Money(payment.Amount, profile.BillingCurrency);
        try
        {
            // The ledger first: it is idempotent by payment id, so when this grain fails before storing, the
            // caller's retry of the same payment writes the ledger nothing twice and lands here again.
            await erp.RecordPaymentAsync(new ErpPayment(profile.CustomerId, payment.PaymentId, amount, clock.GetUtcNow()), CancellationToken.None);
        }
        catch (ErpUnavailableException exception)
        {
            return new CommandResult(CommandOutcome.Rejected, RejectionCode.ErpUnavailable, $"The ERP did not take the payment: {exception.Message}", FieldErrors.None);
        }

        State.Payments.Add(payment.PaymentId);
        State.Profile = CreditCheck.RecordPayment(profile, amount);
        await ReleaseAndStoreAsync();
        return Applied;
    }

    public async Task<CreditDecision> RequestCredit(HeldInvoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var profile = State.Profile
            ?? throw new InvalidOperationException($"Customer {this.GetPrimaryKeyString()} is not registered; shipments cannot be booked for it.");
        if (State.PostedInvoices.Contains(invoice.InvoiceNumber) || State.Reserved.ContainsKey(invoice.InvoiceNumber))
        {
            return CreditDecision.Approved;
        }

        if (State.Held.TryGetValue(invoice.InvoiceNumber, out var alreadyHeld))
        {
            return alreadyHeld.Decision;
        }

        var decision = CreditCheck.Evaluate(Exposure(profile), invoice.Total);
        if (decision.IsApproved && OldestFirst(State.Held.Values.Select(held => held.Invoice)).FirstOrDefault() is { } older)
        {
            // Fitting the limit is not enough while older invoices wait: they post first (DOMAIN step 5).
            decision = new CreditDecision(State.Held[older.InvoiceNumber].Decision.Cause, $"Waiting behind the older held invoice {older.InvoiceNumber}.");
        }

        if (decision.IsApproved)
        {
            State.Reserved[invoice.InvoiceNumber] = invoice;
        }
        else
        {
            State.Held[invoice.InvoiceNumber] = new HeldCredit(invoice, decision);
            State.FinanceNotices.Add(new ExceptionItem(
                $"credit-hold/{invoice.InvoiceNumber}",
                ExceptionQueue.CreditHold,
                $"invoice/{invoice.InvoiceNumber}",
                decision.Reason ?? decision.Cause.ToString(),
                clock.GetUtcNow(),
                OwnerTeam.Finance,
                Resolution: null,
                ResolvedAt: null));
        }

        await account.WriteStateAsync();
        return decision;
    }

    public async Task RecordPosted(string invoiceNumber, Money total)
    {
        ArgumentNullException.ThrowIfNull(total);
        var profile = State.Profile ?? throw new InvalidOperationException($"Customer {this.GetPrimaryKeyString()} is not registered.");
        if (!State.PostedInvoices.Add(invoiceNumber))
        {
            return;
        }

        State.Reserved.Remove(invoiceNumber);
        State.Profile = CreditCheck.RecordPosting(profile, total);
        await account.WriteStateAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == ReleaseReminder ? TellReleasedAsync() : Task.CompletedTask;

    /// <summary>Moves the held invoices that now fit into reservations, stores that with the command, then tells them.</summary>
    private async Task ReleaseAndStoreAsync()
    {
        var profile = State.Profile ?? throw new InvalidOperationException("Release needs a registered customer.");
        var releasable = CreditCheck.ReleasableInvoices(Exposure(profile), State.Held.Values.Select(held => held.Invoice));
        foreach (var invoice in releasable)
        {
            State.Held.Remove(invoice.InvoiceNumber);
            State.Reserved[invoice.InvoiceNumber] = invoice;
            State.Releasing.Add(invoice.InvoiceNumber);
        }

        if (State.Releasing.Count > 0)
        {
            // Registered before the release is stored, so a crash right after storing still gets the invoices told.
            await this.RegisterOrUpdateReminder(ReleaseReminder, ReminderPeriod, ReminderPeriod);
        }

        await account.WriteStateAsync();
        await TellReleasedAsync();
    }

    /// <summary>Tells released invoices to post, oldest first, one at a time, forgetting each once it has answered.</summary>
    private async Task TellReleasedAsync()
    {
        while (State.Releasing.Count > 0)
        {
            var invoiceNumber = State.Releasing[0];
            if (State.Reserved.TryGetValue(invoiceNumber, out var invoice))
            {
                try
                {
                    // The invoice posts inside this call and reports the posting back to this grain: the same call
                    // chain, so it may re-enter instead of waiting on this turn.
                    using (RequestContext.AllowCallChainReentrancy())
                    {
                        await GrainFactory.GetGrain<IInvoiceGrain>(invoice.ShipmentId).Release();
                    }
                }
                catch (Exception exception) when (exception is TimeoutException or OrleansException)
                {
                    LogReleaseNotDelivered(logger, exception, this.GetPrimaryKeyString(), invoiceNumber);
                    return;
                }
            }

            State.Releasing.RemoveAt(0);
            await account.WriteStateAsync();
        }

        if (await this.GetReminder(ReleaseReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>What credit is already spoken for: posted receivables plus reservations of invoices still posting.</summary>
    private CustomerProfile Exposure(CustomerProfile profile) =>
        profile with { OpenReceivables = State.Reserved.Values.Aggregate(profile.OpenReceivables, (sum, invoice) => sum + invoice.Total) };

    private static IEnumerable<HeldInvoice> OldestFirst(IEnumerable<HeldInvoice> invoices) =>
        invoices.OrderBy(invoice => invoice.HeldAt).ThenBy(invoice => invoice.InvoiceNumber, StringComparer.Ordinal);

    private static CommandResult Applied { get; } = new(CommandOutcome.Applied, RejectionCode.None, null, FieldErrors.None);

    private CommandResult NotFound =>
        new(CommandOutcome.Rejected, RejectionCode.CustomerNotFound, $"Customer {this.GetPrimaryKeyString()} is not registered.", FieldErrors.None);

    private static CommandResult Duplicate(string reason) => new(CommandOutcome.Duplicate, RejectionCode.None, reason, FieldErrors.None);

    private static CommandResult Invalid(ImmutableDictionary<string, ImmutableArray<string>> errors) =>
        new(CommandOutcome.Rejected, RejectionCode.ValidationFailed, "Validation failed.", errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Customer {CustomerId} could not tell released invoice {InvoiceNumber} yet; the reminder retries")]
    private static partial void LogReleaseNotDelivered(ILogger logger, Exception exception, string customerId, string invoiceNumber);
}

/// <summary>Stored state of a customer grain.</summary>
[GenerateSerializer, Alias("sg.customer-state.v1")]
public sealed class CustomerState
{
    [Id(0)]
    public CustomerProfile? Profile { get; set; }

    /// <summary>Invoices waiting on credit, by invoice number.</summary>
    [Id(1)]
    public Dictionary<string, HeldCredit> Held { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Approved invoices not yet in the ERP: their credit is taken so no other invoice can use it.</summary>
    [Id(2)]
    public Dictionary<string, HeldInvoice> Reserved { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Released invoices not yet told, oldest first.</summary>
    [Id(3)]
    public List<string> Releasing { get; init; } = [];

    [Id(4)]
    public HashSet<string> PostedInvoices { get; init; } = new(StringComparer.Ordinal);

    [Id(5)]
    public HashSet<string> Payments { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Credit-hold notices for finance, kept until the exceptions queue delivers them.</summary>
    [Id(6)]
    public List<ExceptionItem> FinanceNotices { get; init; } = [];
}

/// <summary>A held invoice with the decision that held it, answered again when the invoice asks again.</summary>
[GenerateSerializer, Immutable, Alias("sg.held-credit.v1")]
public sealed record HeldCredit([Id(0)] HeldInvoice Invoice, [Id(1)] CreditDecision Decision);
