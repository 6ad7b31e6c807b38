using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShipmentGrid.Access;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;
using ShipmentGrid.Observability;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Billing;

/// <summary>
/// The shell around one shipment's invoice. Every step is stored before the effect it leads to (the draft
/// before the credit check, Posting before the ERP call, Posted before the receivable), and a reminder stands
/// from the draft until the invoice settles, so a silo crash or an ERP outage resumes the invoice where it
/// stopped. The repeated steps are idempotent where they land: the customer answers a credit request per
/// invoice number once, the ERP posts an invoice number once, receivables take an invoice number once.
/// </summary>
/// <remarks>
/// The state is the snapshot of the journal stream <c>invoice/{shipmentId}</c>, and each transition others act on
/// (<see cref="InvoiceHeld"/>, <see cref="InvoiceReleased"/>, <see cref="InvoicePostingFailed"/>,
/// <see cref="InvoicePosted"/>) is journaled in the same commit: finance's queues, customer service and the KPIs are
/// derived from those events by the journal's readers, so the invoice calls none of them.
/// </remarks>
public sealed partial class InvoiceGrain : Grain, IInvoiceGrain, IRemindable
{
    /// <summary>Resumes an unsettled invoice: a credit check cut short, a posting interrupted or failed.</summary>
    public const string PostingReminder = "invoice-posting";

    private readonly JournaledState<InvoiceState, IInvoiceEvent> stored;
    private readonly IEventJournal journal;
    private readonly IErpGateway erp;
    private readonly TimeProvider clock;
    private readonly ILogger<InvoiceGrain> logger;
    private readonly BillingOptions options;
    private readonly GridMetrics metrics;

    /// <summary>
    /// Whether a posting reminder may be stored for this invoice: one registered by this activation, or by an earlier one
    /// of an invoice that already existed. A new invoice that posts straight away never has one, so it neither writes nor
    /// looks one up.
    /// </summary>
    private bool reminderMayExist;

    /// <summary>This activation has registered the posting reminder; each later advance that leaves work to resume keeps it.</summary>
    private bool reminderRegistered;

    // legacy: where earlier builds kept the state, read only to move it into the journal (see JournaledState).
    public InvoiceGrain(
        [PersistentState("invoice", GridProviders.Storage)] IPersistentState<InvoiceState> legacy,
        IEventJournal journal,
        IErpGateway erp,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
        IOptions<BillingOptions> options,
        GridMetrics metrics,
        ILogger<InvoiceGrain> logger)
    {
        stored = new(journal, legacy, GrainContext, JournalStreams.Invoice(this.GetPrimaryKeyString()));
        this.journal = journal;
        this.erp = erp;
        this.clock = clock;
        this.logger = logger;
        this.options = options.Value;
        this.metrics = metrics;
    }

    // Retries inside a reminder period follow the backoff, checked on each tick.
    private TimeSpan ReminderPeriod => options.ReminderPeriod;

    private InvoiceState State => stored.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await stored.LoadAsync(cancellationToken);
        reminderMayExist = State.Invoice is not null;
    }

    public async Task<InvoiceView> Open(BillingReady ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (!string.Equals(ready.ShipmentId, this.GetPrimaryKeyString(), StringComparison.Ordinal))
        {
            throw new ArgumentException($"Billing-ready of shipment {ready.ShipmentId} sent to the invoice of {this.GetPrimaryKeyString()}.", nameof(ready));
        }

        using var activity = GridTracing.Start("invoice issue").Tag(GridTracing.ShipmentAttribute, ready.ShipmentId);
        if (State.Invoice is null)
        {
            // No reminder yet: until this call returns, its caller (the journal's delivery) retries it, and a draft found
            // again is taken further from where it stopped. The advance below keeps a reminder only for what it leaves.
            State.Invoice = InvoiceBuilder.Build(ready, clock.GetUtcNow());
            State.PickedUpAt = ready.PickedUpAt;
            State.ProofOfDeliveryAt = ready.ProofOfDeliveryAt;
            await stored.CommitAsync();
        }

        TagInvoice(activity, Current);
        return await AdvanceAsync();
    }

    public async Task<InvoiceView> OpenAdjustment(AdjustmentRaised adjustment)
    {
        ArgumentNullException.ThrowIfNull(adjustment);
        if (!string.Equals(InvoiceNumbering.GrainKeyOf(adjustment.InvoiceNumber), this.GetPrimaryKeyString(), StringComparison.Ordinal))
        {
            throw new ArgumentException($"Adjustment {adjustment.InvoiceNumber} sent to the invoice grain {this.GetPrimaryKeyString()}.", nameof(adjustment));
        }

        using var activity = GridTracing.Start("invoice issue");
        if (State.Invoice is null)
        {
            State.Invoice = InvoiceBuilder.Build(adjustment);
            await stored.CommitAsync();
        }

        TagInvoice(activity, Current);

        return await AdvanceAsync();
    }

    public async Task<bool> AwaitPosting(string adjustmentKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(adjustmentKey);
        if (State.Invoice is { Status: InvoiceStatus.Posted })
        {
            return true;
        }

        if (!State.AwaitingAdjustments.Contains(adjustmentKey))
        {
            State.AwaitingAdjustments.Add(adjustmentKey);
            await stored.CommitAsync();
        }

        return false;
    }

    public Task<InvoiceView?> GetView() => Task.FromResult(CallerMayRead ? State.Invoice : null);

    public async Task<ImmutableArray<IInvoiceEvent>> GetHistory() =>
        CallerMayRead && State.Invoice is not null
            ? [.. await journal.ReadAsync<IInvoiceEvent>(JournalStreams.Invoice(this.GetPrimaryKeyString()), CancellationToken.None)]
            : [];

    public Task<InvoicePosting?> GetPosting() => Task.FromResult(
        CallerMayRead && State.Invoice is { } invoice
            ? new InvoicePosting(invoice.InvoiceNumber, invoice.Status, State.FailedAttempts, State.LastFailure, State.NextAttemptAt, State.ErpFailure)
            : null);

    public async Task Release()
    {
        if (State.Invoice is { Status: InvoiceStatus.OnHold } invoice)
        {
            await KeepReminderAsync();
            State.Invoice = invoice with { Status = InvoiceStatus.Posting, HoldReason = null };
            await stored.CommitAsync(new InvoiceReleased(
                EventIdOf(invoice, "released"), invoice.ShipmentId, invoice.InvoiceNumber, invoice.CustomerId, clock.GetUtcNow()));
        }

        // A release told again (the customer's reminder after a crash) finds the invoice further on and takes it
        // from there; a posted invoice changes nothing.
        await AdvanceAsync();
    }

    public async Task<InvoiceView?> RetryPosting()
    {
        if (Caller.Current is { } caller && !caller.HasAny(GridRoles.Operations, GridRoles.Finance))
        {
            return null;
        }

        if (State.Invoice is not { Status: InvoiceStatus.Failed })
        {
            return State.Invoice;
        }

        State.NextAttemptAt = clock.GetUtcNow();
        await stored.CommitAsync();
        return await AdvanceAsync();
    }

    /// <summary>Inside the grid (no caller) everything is readable; otherwise staff and the invoice's customer.</summary>
    private bool CallerMayRead =>
        Caller.Current is not { } caller || caller.IsStaff || (State.Invoice is { } invoice && caller.IsCustomer(invoice.CustomerId));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == PostingReminder)
        {
            await AdvanceAsync();
        }
    }

    /// <summary>
    /// Takes the invoice as far as it can go now; keeps the reminder while something is left to resume (a credit check, a
    /// posting the ERP refused or had no slot for, a receivable), and stops it once nothing is.
    /// </summary>
    private async Task<InvoiceView> AdvanceAsync()
    {
        if (State.Invoice is { Status: InvoiceStatus.Draft } draft && await OriginalPostedAsync(draft))
        {
            await CheckCreditAsync();
        }

        if (State.Invoice is { Status: InvoiceStatus.Posting } || (State.Invoice is { Status: InvoiceStatus.Failed } && State.NextAttemptAt <= clock.GetUtcNow()))
        {
            await PostAsync();
        }

        if (State.Invoice is { Status: InvoiceStatus.Posted } && !State.ReceivableRecorded)
        {
            await RecordReceivableAsync();
        }

        if (State.Invoice is { Status: InvoiceStatus.Posted })
        {
            await ResumeAdjustmentsAsync();
        }

        var current = State.Invoice ?? throw new InvalidOperationException($"Shipment {this.GetPrimaryKeyString()} has no invoice.");

        // Settled: nothing changes it but an adjustment or a read, and either activates it again from its snapshot.
        var settled = current.Status is InvoiceStatus.Voided || (current.Status == InvoiceStatus.Posted && State.ReceivableRecorded);

        // A held invoice waits for its release (Release), a settled one for an adjustment or a read: neither for a tick.
        // Kept for a held one, the reminders grew with every hold ever placed and their ticks took over a busy silo.
        if (settled || current.Status is InvoiceStatus.OnHold)
        {
            await StopReminderAsync();
        }
        else
        {
            await KeepReminderAsync();
        }

        if (settled)
        {
            DeactivateOnIdle();
        }

        return current;
    }

    /// <summary>An adjustment goes to the credit check and the ERP only after the invoice it adjusts is posted.</summary>
    private Task<bool> OriginalPostedAsync(InvoiceView draft) =>
        draft.OriginalInvoiceNumber is { } original && InvoiceNumbering.GrainKeyOf(original) is { } originalKey
            ? GrainFactory.GetGrain<IInvoiceGrain>(originalKey).AwaitPosting(this.GetPrimaryKeyString())
            : Task.FromResult(true);

    /// <summary>Resumes the adjustments that waited for this invoice's posting (one-way: none of them is awaited here).</summary>
    private async Task ResumeAdjustmentsAsync()
    {
        if (State.AwaitingAdjustments.Count == 0)
        {
            return;
        }

        foreach (var key in State.AwaitingAdjustments)
        {
            await GrainFactory.GetGrain<IInvoiceGrain>(key).Release();
        }

        State.AwaitingAdjustments.Clear();
        await stored.CommitAsync();
    }

    private async Task CheckCreditAsync()
    {
        var invoice = Current;
        using var activity = TagInvoice(GridTracing.Start("credit check"), invoice);

        // Held invoices queue by the invoice's age, so the creation time stands in as the held-at time.
        var decision = await Customer(invoice).RequestCredit(new HeldInvoice(invoice.InvoiceNumber, invoice.ShipmentId, invoice.Total, invoice.CreatedAt));
        activity?.SetTag("shipmentgrid.credit.decision", decision.IsApproved ? "approved" : decision.Cause.ToString());
        if (decision.IsApproved)
        {
            State.Invoice = invoice with { Status = InvoiceStatus.Posting };
            await stored.CommitAsync();
            return;
        }

        State.Invoice = invoice with { Status = InvoiceStatus.OnHold, HoldReason = decision.Reason };
        await stored.CommitAsync(new InvoiceHeld(
            EventIdOf(invoice, "held"), invoice.ShipmentId, invoice.InvoiceNumber, invoice.CustomerId, clock.GetUtcNow(), decision.Reason ?? "Credit check failed."));
        metrics.InvoiceHeld();
    }

    private async Task PostAsync()
    {
        var invoice = Current;
        using var activity = TagInvoice(GridTracing.Start("erp post"), invoice);
        ErpPostingResult posted;
        var started = clock.GetTimestamp();
        try
        {
            posted = await erp.PostAsync(ErpInvoice.From(invoice), CancellationToken.None);
            metrics.ErpPosting(clock.GetElapsedTime(started), "posted");
            activity?.SetTag("shipmentgrid.erp.document", posted.DocumentNumber);
        }
        catch (ErpBusyException exception)
        {
            activity?.SetTag("shipmentgrid.erp.outcome", "busy");
            metrics.ErpPosting(clock.GetElapsedTime(started), "busy");
            // The posting is queued durably by the invoice's reminder, which stands until it posts: nothing to store.
            LogPostingQueued(logger, exception, invoice.InvoiceNumber);
            return;
        }
        catch (ErpUnavailableException exception)
        {
            activity.Failed(exception);
            metrics.ErpPosting(clock.GetElapsedTime(started), "failed");
            metrics.ErpPostingFailed();
            var now = clock.GetUtcNow();
            State.FailedAttempts++;
            State.LastFailure = ErpRetry.PostingFailed;
            State.NextAttemptAt = now + options.RetryDelayAfter(State.FailedAttempts);
            var opened = ErpRetry.ExceptionFor(invoice.InvoiceNumber, State.FailedAttempts, State.ErpFailure, now);
            State.ErpFailure = opened ?? State.ErpFailure;
            State.Invoice = invoice with { Status = InvoiceStatus.Failed };
            await stored.CommitAsync(new InvoicePostingFailed(
                EventIdOf(invoice, $"posting-failed/{State.FailedAttempts}"),
                invoice.ShipmentId,
                invoice.InvoiceNumber,
                invoice.CustomerId,
                now,
                State.FailedAttempts,
                ErpRetry.PostingFailed,
                State.NextAttemptAt.Value,
                opened));
            LogPostingFailed(logger, exception, invoice.InvoiceNumber, State.FailedAttempts, State.NextAttemptAt.Value);
            return;
        }

        State.Invoice = invoice with { Status = InvoiceStatus.Posted, ErpDocumentNumber = posted.DocumentNumber, PostedAt = posted.PostedAt };
        State.NextAttemptAt = null;
        if (State.ErpFailure is { IsOpen: true } failure)
        {
            State.ErpFailure = failure with { Resolution = $"Posted as {posted.DocumentNumber} on a retry.", ResolvedAt = posted.PostedAt };
        }

        await stored.CommitAsync(new InvoicePosted(
            EventIdOf(invoice, "posted"),
            invoice.ShipmentId,
            invoice.InvoiceNumber,
            invoice.CustomerId,
            posted.PostedAt,
            posted.DocumentNumber,
            invoice.Total,
            State.PickedUpAt,
            State.ProofOfDeliveryAt,
            State.ErpFailure?.ExceptionId));
        if (!InvoiceNumbering.IsAdjustment(invoice.InvoiceNumber))
        {
            // As the cash KPIs: the shipment's one invoice, not its adjustments.
            metrics.InvoicePosted(posted.PostedAt, State.ProofOfDeliveryAt, State.PickedUpAt);
        }
    }

    private async Task RecordReceivableAsync()
    {
        var invoice = Current;
        await Customer(invoice).RecordPosted(invoice.InvoiceNumber, invoice.Total);
        State.ReceivableRecorded = true;
        await stored.CommitAsync();
    }

    private async Task KeepReminderAsync()
    {
        if (!reminderRegistered)
        {
            await this.RegisterOrUpdateReminder(PostingReminder, ReminderPeriod, ReminderPeriod);
            reminderRegistered = reminderMayExist = true;
        }
    }

    private async Task StopReminderAsync()
    {
        if (reminderMayExist && await this.GetReminder(PostingReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        reminderRegistered = reminderMayExist = false;
    }

    private InvoiceView Current => State.Invoice ?? throw new InvalidOperationException($"Shipment {this.GetPrimaryKeyString()} has no invoice.");

    /// <summary>A transition's event id: one per invoice and transition, so a repeated delivery is recognised.</summary>
    private static string EventIdOf(InvoiceView invoice, string transition) => $"{invoice.InvoiceNumber}/{transition}";

    /// <summary>The invoice's business keys on a span.</summary>
    private static Activity? TagInvoice(Activity? activity, InvoiceView invoice) =>
        activity.Tag(GridTracing.InvoiceAttribute, invoice.InvoiceNumber)
            .Tag(GridTracing.ShipmentAttribute, invoice.ShipmentId)
            .Tag(GridTracing.CustomerAttribute, invoice.CustomerId);

    private ICustomerGrain Customer(InvoiceView invoice) => GrainFactory.GetGrain<ICustomerGrain>(invoice.CustomerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ERP posting of {InvoiceNumber} waits for a throttle slot; the reminder tries again")]
    private static partial void LogPostingQueued(ILogger logger, Exception exception, string invoiceNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ERP posting of {InvoiceNumber} failed (attempt {FailedAttempts}); next attempt at {NextAttemptAt}")]
    private static partial void LogPostingFailed(ILogger logger, Exception exception, string invoiceNumber, int failedAttempts, DateTimeOffset nextAttemptAt);
}

/// <summary>
/// Stored state of an invoice grain: the invoice, how its ERP posting is going, and the shipment's pickup and proof
/// of delivery times that <see cref="InvoicePosted"/> carries.
/// </summary>
[GenerateSerializer, Alias("sg.invoice-state.v1")]
public sealed class InvoiceState
{
    [Id(0)]
    public InvoiceView? Invoice { get; set; }

    [Id(1)]
    public int FailedAttempts { get; set; }

    [Id(2)]
    public string? LastFailure { get; set; }

    /// <summary>When a failed posting may be tried again (the backoff); null when none is due.</summary>
    [Id(3)]
    public DateTimeOffset? NextAttemptAt { get; set; }

    [Id(4)]
    public ExceptionItem? ErpFailure { get; set; }

    /// <summary>The customer has taken the posted invoice into receivables; until then the reminder stays.</summary>
    [Id(5)]
    public bool ReceivableRecorded { get; set; }

    [Id(6)]
    public DateTimeOffset? PickedUpAt { get; set; }

    [Id(7)]
    public DateTimeOffset? ProofOfDeliveryAt { get; set; }

    /// <summary>Grain keys of this invoice's adjustments waiting for it to post; emptied once it has.</summary>
    [Id(8)]
    public List<string> AwaitingAdjustments { get; set; } = [];
}
