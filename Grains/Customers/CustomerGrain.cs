using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ShipmentGrid.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.Journal;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Customers;

/// <summary>
/// A customer's account: profile, credit limit, receivables and hold. The customer is the one place that decides
/// credit, so reservations, held invoices and releases are serialised per customer.
/// Its turns stay short: nothing in them waits on the ERP or on invoices. A release is stored as the ordered
/// list of invoices to post and told one invoice at a time, oldest first, each when the one before reports its
/// posting; a payment is stored with its credit effect and reaches the ledger through
/// <see cref="IPaymentLedgerGrain"/>. A reminder stands while either is unfinished and tells or sends again
/// after a crash; <see cref="IInvoiceGrain.Release"/> and the ledger are idempotent, so each lands once.
/// </summary>
/// <remarks>
/// The state is the snapshot of the journal stream <c>customer/{customerId}</c>; each credit transition
/// (<see cref="ICustomerEvent"/>) is journaled in the same commit, for the journal's readers.
/// </remarks>
public sealed class CustomerGrain : Grain, ICustomerGrain, IRemindable
{
    /// <summary>Resumes a release or payments not yet in the ledger; stands while either is unfinished.</summary>
    public const string PendingReminder = "customer-pending";

    /// <summary>Payments sent to the ledger again per reminder tick, oldest first: a long ERP outage is caught up in bounded steps.</summary>
    public const int LedgerResendBatch = 16;

    private readonly JournaledState<CustomerState, ICustomerEvent> account;
    private readonly TimeProvider clock;
    private readonly TimeSpan reminderPeriod;

    // Whether this activation registered the reminder or received its tick, so a busy customer touches the reminder table once.
    private bool reminderStanding;

    // legacy: where earlier builds kept the state, read only to move it into the journal (see JournaledState).
    public CustomerGrain(
        [PersistentState("customer", GridProviders.Storage)] IPersistentState<CustomerState> legacy,
        IEventJournal journal,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
        IOptions<BillingOptions> options)
    {
        account = new(journal, legacy, GrainContext, JournalStreams.Customer(this.GetPrimaryKeyString()));
        this.clock = clock;
        reminderPeriod = options.Value.ReminderPeriod;
    }

    private CustomerState State => account.State;

    private bool HasPendingWork => State.Releasing.Count > 0 || State.LedgerPending.Count > 0;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await account.LoadAsync(cancellationToken);
        await ResumeAsync();
    }

    public async Task<CommandResult> Register(CustomerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (Refuse(GridRoles.Operations) is { } refused)
        {
            return refused;
        }

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
        await account.CommitAsync(new CustomerRegistered(
            EventIdOf("registered"), profile.CustomerId, clock.GetUtcNow(), profile.Name, profile.BillingCurrency, profile.CreditLimit, profile.PaymentTermsDays));
        return Applied;
    }

    public Task<CustomerProfile?> GetProfile() => Task.FromResult(CallerMayRead ? State.Profile : null);

    public Task<CustomerCredit?> GetCredit() => Task.FromResult(
        CallerMayRead && State.Profile is { } profile
            ? new CustomerCredit(
                profile,
                [.. OldestFirst(State.Held.Values.Select(held => held.Invoice))],
                State.Reserved.Values.Aggregate(Money.Zero(profile.BillingCurrency), (sum, invoice) => sum + invoice.Total),
                [.. State.FinanceNotices])
            : null);

    public async Task<CommandResult> PlaceHold(string reason)
    {
        if (Refuse(GridRoles.Finance) is { } refused)
        {
            return refused;
        }

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
        await account.CommitAsync(new CreditHoldPlaced(EventIdOf("credit-hold-placed"), profile.CustomerId, clock.GetUtcNow(), reason));
        return Applied;
    }

    public async Task<CommandResult> ReleaseHold()
    {
        if (Refuse(GridRoles.Finance) is { } refused)
        {
            return refused;
        }

        if (State.Profile is not { } profile)
        {
            return NotFound;
        }

        if (!profile.CreditHold)
        {
            return Duplicate("The customer is not on credit hold.");
        }

        State.Profile = profile with { CreditHold = false, CreditHoldReason = null };
        await ReleaseAndStoreAsync(new CreditHoldLifted(EventIdOf("credit-hold-lifted"), profile.CustomerId, clock.GetUtcNow()));
        return Applied;
    }

    public async Task<CommandResult> SetCreditLimit(decimal amount)
    {
        if (Refuse(GridRoles.Finance) is { } refused)
        {
            return refused;
        }

        if (State.Profile is not { } profile)
        {
            return CustomerValidation.ValidateCreditLimit(amount, billingCurrency: null) is { IsEmpty: false } invalid ? Invalid(invalid) : NotFound;
        }

        var errors = CustomerValidation.ValidateCreditLimit(amount, profile.BillingCurrency);
        if (!errors.IsEmpty)
        {
            return Invalid(errors);
        }

        if (profile.CreditLimit.Amount == amount)
        {
            return Duplicate("The credit limit is already this amount.");
        }

        State.Profile = profile with { CreditLimit = profile.CreditLimit with { Amount = amount } };
        await ReleaseAndStoreAsync(new CreditLimitChanged(
            EventIdOf("credit-limit-changed"), profile.CustomerId, clock.GetUtcNow(), profile.CreditLimit, State.Profile.CreditLimit));
        return Applied;
    }

    public async Task<CommandResult> RecordPayment(CustomerPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (Refuse(GridRoles.Finance) is { } refused)
        {
            return refused;
        }

        if (State.Profile is not { } profile)
        {
            return CustomerValidation.ValidatePayment(payment.PaymentId, payment.Amount, billingCurrency: null) is { IsEmpty: false } invalid ? Invalid(invalid) : NotFound;
        }

        var errors = CustomerValidation.ValidatePayment(payment.PaymentId, payment.Amount, profile.BillingCurrency);
        if (!errors.IsEmpty)
        {
            return Invalid(errors);
        }

        switch (PaymentIds.Check(State.RecentPayments, payment))
        {
            case PaymentIdCheck.Duplicate:
                return Duplicate($"Payment {payment.PaymentId} is already recorded.");
            case PaymentIdCheck.Reused:
                return new CommandResult(
                    CommandOutcome.Rejected, RejectionCode.PaymentIdReused, $"Payment {payment.PaymentId} is already recorded with another amount.", FieldErrors.None);
        }

        // The payment and its effect on credit are stored together with the ledger entry still to write (an
        // outbox), so a crash before the ledger call leaves the entry to send again, never a lost payment.
        var amount = new Money(payment.Amount, profile.BillingCurrency);
        var toLedger = new LedgerPayment(profile.CustomerId, payment.PaymentId, amount, clock.GetUtcNow());
        PaymentIds.Remember(State.RecentPayments, payment);
        State.LedgerPending.Add(toLedger);
        State.Profile = CreditCheck.RecordPayment(profile, amount);
        await ReleaseAndStoreAsync(new PaymentRecorded(
            $"{profile.CustomerId}/payment/{payment.PaymentId}", profile.CustomerId, toLedger.ReceivedAt, payment.PaymentId, amount, State.Profile.OpenReceivables));
        await GrainFactory.GetGrain<IPaymentLedgerGrain>(0).Record(toLedger);
        return Applied;
    }

    /// <summary>Inside the grid (no caller) everything is readable; otherwise staff and the customer itself.</summary>
    private bool CallerMayRead => Caller.Current is not { } caller || caller.CanReadCustomer(this.GetPrimaryKeyString());

    /// <summary>
    /// Null when the caller holds the staff role (or is the grid itself); otherwise forbidden when it can read the
    /// customer and, when it cannot, answered as if the customer did not exist.
    /// </summary>
    private CommandResult? Refuse(string staffRole) =>
        Caller.Current is not { } caller || caller.Has(staffRole)
            ? null
            : CallerMayRead
                ? new CommandResult(CommandOutcome.Rejected, RejectionCode.Forbidden, $"This key lacks the {staffRole} role.", FieldErrors.None)
                : NotFound;

    public async Task RecordPaymentInLedger(string paymentId)
    {
        if (State.LedgerPending.RemoveAll(pending => string.Equals(pending.PaymentId, paymentId, StringComparison.Ordinal)) == 0)
        {
            return;
        }

        await account.CommitAsync();
        await StopReminderWhenDoneAsync();
    }

    public async Task<CreditDecision> RequestCredit(HeldInvoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var profile = State.Profile
            ?? throw new InvalidOperationException($"Customer {this.GetPrimaryKeyString()} is not registered; shipments cannot be booked for it.");
        // A posted invoice never asks again (it asks only as a draft), so the reservations are all there is to recall.
        if (State.Reserved.ContainsKey(invoice.InvoiceNumber))
        {
            return CreditDecision.Approved;
        }

        if (State.Held.TryGetValue(invoice.InvoiceNumber, out var alreadyHeld))
        {
            return alreadyHeld.Decision;
        }

        var decision = CreditCheck.Evaluate(Exposure(profile), invoice.Total);
        if (decision.IsApproved && invoice.Total.IsPositive && OldestFirst(State.Held.Values.Select(held => held.Invoice)).FirstOrDefault() is { } older)
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
                HeldSubject(invoice.InvoiceNumber),
                decision.Reason ?? decision.Cause.ToString(),
                clock.GetUtcNow(),
                OwnerTeam.Finance,
                Resolution: null,
                ResolvedAt: null));
        }

        await account.CommitAsync();
        return decision;
    }

    public async Task RecordPosted(string invoiceNumber, Money total)
    {
        ArgumentNullException.ThrowIfNull(total);
        var profile = State.Profile ?? throw new InvalidOperationException($"Customer {this.GetPrimaryKeyString()} is not registered.");

        // Every posting was reserved first, so an invoice no longer reserved has been counted already.
        if (!State.Reserved.Remove(invoiceNumber))
        {
            return;
        }

        var nextToTell = State.Releasing.Count > 0 && State.Releasing[0] == invoiceNumber;
        State.Releasing.Remove(invoiceNumber);
        State.Profile = CreditCheck.RecordPosting(profile, total);
        await account.CommitAsync();
        if (nextToTell)
        {
            await TellNextReleasedAsync();
        }

        await StopReminderWhenDoneAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != PendingReminder)
        {
            return;
        }

        reminderStanding = true;
        await ResumeAsync();
        await StopReminderWhenDoneAsync();
    }

    /// <summary>
    /// Moves the held invoices that now fit into reservations and appends them to the release, stores that with
    /// the command's <paramref name="transition"/>, and tells the first if the release was idle. The rest are told one by one as postings report back.
    /// </summary>
    private async Task ReleaseAndStoreAsync(ICustomerEvent transition)
    {
        var profile = State.Profile ?? throw new InvalidOperationException("Release needs a registered customer.");
        var wasIdle = State.Releasing.Count == 0;
        foreach (var invoice in CreditCheck.ReleasableInvoices(Exposure(profile), State.Held.Values.Select(held => held.Invoice)))
        {
            State.Held.Remove(invoice.InvoiceNumber);
            State.Reserved[invoice.InvoiceNumber] = invoice;
            State.Releasing.Add(invoice.InvoiceNumber);
            State.FinanceNotices.RemoveAll(notice => notice.Subject == HeldSubject(invoice.InvoiceNumber));
        }

        // Registered before the work is stored, so a crash right after storing still gets it finished.
        await StartReminderWhenPendingAsync();
        await account.CommitAsync(transition);
        if (wasIdle)
        {
            await TellNextReleasedAsync();
        }
    }

    /// <summary>After an activation or on the reminder: tells the released invoice in turn again and resends a batch of payments.</summary>
    private async Task ResumeAsync()
    {
        await TellNextReleasedAsync();
        var ledger = GrainFactory.GetGrain<IPaymentLedgerGrain>(0);
        foreach (var payment in State.LedgerPending.Take(LedgerResendBatch))
        {
            await ledger.Record(payment);
        }
    }

    /// <summary>Tells the oldest released invoice to post (one-way); it reports back through <see cref="RecordPosted"/>.</summary>
    private async Task TellNextReleasedAsync()
    {
        if (State.Releasing.Count > 0 && State.Reserved.TryGetValue(State.Releasing[0], out var invoice))
        {
            await GrainFactory.GetGrain<IInvoiceGrain>(InvoiceNumbering.GrainKeyOf(invoice.InvoiceNumber) ?? invoice.ShipmentId).Release();
        }
    }

    private async Task StartReminderWhenPendingAsync()
    {
        if (HasPendingWork && !reminderStanding)
        {
            await this.RegisterOrUpdateReminder(PendingReminder, reminderPeriod, reminderPeriod);
            reminderStanding = true;
        }
    }

    private async Task StopReminderWhenDoneAsync()
    {
        // Only when this activation knows of a standing reminder, so a posting does not read the reminder table;
        // one left by an earlier activation is stopped on its next tick.
        if (HasPendingWork || !reminderStanding)
        {
            return;
        }

        if (await this.GetReminder(PendingReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        reminderStanding = false;
    }

    /// <summary>What credit is already spoken for: posted receivables plus reservations of invoices still posting.</summary>
    private CustomerProfile Exposure(CustomerProfile profile) =>
        profile with { OpenReceivables = State.Reserved.Values.Aggregate(profile.OpenReceivables, (sum, invoice) => sum + invoice.Total) };

    private static IEnumerable<HeldInvoice> OldestFirst(IEnumerable<HeldInvoice> invoices) =>
        invoices.OrderBy(invoice => invoice.HeldAt).ThenBy(invoice => invoice.InvoiceNumber, StringComparer.Ordinal);

    /// <summary>An id for a transition with no key of its own: the stream version the event takes is unique and stays the same when it is read again.</summary>
    private string EventIdOf(string transition) => $"{this.GetPrimaryKeyString()}/{transition}/{account.NextEventVersion}";

    private static string HeldSubject(string invoiceNumber) => $"invoice/{invoiceNumber}";

    private static CommandResult Applied { get; } = new(CommandOutcome.Applied, RejectionCode.None, null, FieldErrors.None);

    private CommandResult NotFound =>
        new(CommandOutcome.Rejected, RejectionCode.CustomerNotFound, $"Customer {this.GetPrimaryKeyString()} is not registered.", FieldErrors.None);

    private static CommandResult Duplicate(string reason) => new(CommandOutcome.Duplicate, RejectionCode.None, reason, FieldErrors.None);

    private static CommandResult Invalid(ImmutableDictionary<string, ImmutableArray<string>> errors) =>
        new(CommandOutcome.Rejected, RejectionCode.ValidationFailed, "Validation failed.", errors);
}

/// <summary>Stored state of a customer grain (the snapshot of its journal stream).</summary>
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

    /// <summary>
    /// The release under way: reserved invoices to post, oldest first. The first has been told; each following
    /// one is told when the one before reports its posting.
    /// </summary>
    [Id(3)]
    public List<string> Releasing { get; init; } = [];

    /// <summary>Credit-hold notices for finance, one per invoice while it is held.</summary>
    [Id(6)]
    public List<ExceptionItem> FinanceNotices { get; init; } = [];

    /// <summary>The most recent payment ids with their amounts, at most <see cref="PaymentIds.Window"/>.</summary>
    [Id(7)]
    public List<RecordedPayment> RecentPayments { get; init; } = [];

    /// <summary>Payments taken into credit and not yet confirmed by the ERP ledger, oldest first.</summary>
    [Id(8)]
    public List<LedgerPayment> LedgerPending { get; init; } = [];
}

/// <summary>A held invoice with the decision that held it, answered again when the invoice asks again.</summary>
[GenerateSerializer, Immutable, Alias("sg.held-credit.v1")]
public sealed record HeldCredit([Id(0)] HeldInvoice Invoice, [Id(1)] CreditDecision Decision);
