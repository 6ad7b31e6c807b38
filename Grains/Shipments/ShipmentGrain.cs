using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;
using ShipmentGrid.Kpis;
using ShipmentGrid.Partners;

namespace ShipmentGrid.Shipments;

/// <summary>
/// The shell around the shipment rules: rebuilds state from the journal on activation, asks
/// <see cref="ShipmentDecisions"/> what a command means, appends the resulting events and only then applies
/// them, publishes them on the shipment's event stream and answers. Carrier events arrive by direct call
/// (HTTP) or on the shipment's carrier-event stream; whatever is rejected goes to the carrier's dead letters.
/// </summary>
/// <remarks>
/// Publication is at least once: events are published after they are durable, and an activation republishes
/// the whole history once, so a crash between the journal commit and the publication loses nothing. Every
/// subscriber is idempotent by event id.
/// </remarks>
[ImplicitStreamSubscription(GridProviders.CarrierEvents)]
public sealed partial class ShipmentGrain(IEventJournal journal, TimeProvider clock, ILogger<ShipmentGrain> logger)
    : Grain, IShipmentGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<CarrierEvent>, IRemindable
{
    /// <summary>
    /// Stands from the billing decision until the shipment knows its invoice: the durable intent to invoice, so
    /// the one invoice is opened even when the event-stream path to billing is cut (a silo dies mid-delivery).
    /// </summary>
    private const string InvoicingReminder = "invoicing";

    // The stream path normally opens the invoice within a second; the reminder only steps in when it has not.
    private static readonly TimeSpan InvoicingDue = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan InvoicingPeriod = TimeSpan.FromMinutes(1);

    private ShipmentState state = ShipmentState.Empty;
    private ImmutableArray<IShipmentEvent> history = [];
    private bool historyPublished;

    private string ShipmentId => this.GetPrimaryKeyString();

    private string StreamId => $"shipment/{ShipmentId}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        history = [.. await journal.ReadAsync<IShipmentEvent>(StreamId, cancellationToken)];
        state = ShipmentHistory.Replay(history);
    }

    public async Task<CommandResult> Book(ShipmentBooking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var currency = state.BillingCurrency;
        if (currency is null && !string.IsNullOrWhiteSpace(booking.CustomerId))
        {
            var customer = await GrainFactory.GetGrain<ICustomerGrain>(booking.CustomerId).GetProfile();
            if (customer is null)
            {
                return ShipmentDecision.Rejected(RejectionCode.CustomerNotFound, $"Customer {booking.CustomerId} is not registered.").ToResult();
            }

            currency = customer.BillingCurrency;
        }

        return await CommitAsync(ShipmentDecisions.Book(state, booking, currency ?? string.Empty, clock.GetUtcNow()));
    }

    public async Task<ImmutableArray<CommandResult>> RecordCarrierEvents(ImmutableArray<CarrierEvent> carrierEvents)
    {
        // Decide each event against the state the earlier ones produce, then make them all durable at once.
        var decisions = new ShipmentDecision[carrierEvents.Length];
        var pending = state;
        for (var i = 0; i < carrierEvents.Length; i++)
        {
            decisions[i] = ShipmentDecisions.RecordCarrierEvent(pending, carrierEvents[i], clock.GetUtcNow());
            pending = decisions[i].Events.Aggregate(pending, ShipmentHistory.Apply);
        }

        await CommitEventsAsync(decisions);
        var deadLetters = carrierEvents.Zip(decisions)
            .Where(pair => pair.Second.Outcome == CommandOutcome.Rejected && !string.IsNullOrWhiteSpace(pair.First.CarrierId))
            .Select(pair => GrainFactory.GetGrain<IDeadLetterGrain>(pair.First.CarrierId).Add(pair.First, pair.Second.Reason ?? pair.Second.Rejection.ToString()));
        var duplicates = carrierEvents.Zip(decisions)
            .Where(pair => pair.Second.Outcome == CommandOutcome.Duplicate && !string.IsNullOrWhiteSpace(pair.First.CarrierId))
            .GroupBy(pair => pair.First.CarrierId, pair => PartnerScorecard.DuplicateFactId(pair.First), StringComparer.Ordinal)
            .Select(carrier => GrainFactory.GetGrain<IPartnerKpiGrain>(carrier.Key).RecordDuplicates([.. carrier]));
        await Task.WhenAll(deadLetters.Concat(duplicates));
        return [.. decisions.Select(decision => decision.ToResult())];
    }

    public Task<CommandResult> RecordCharge(Charge charge) =>
        CommitAsync(ShipmentDecisions.RecordCharge(state, charge, clock.GetUtcNow()));

    public Task<CommandResult> ResolveException(string exceptionId, string resolution) =>
        CommitAsync(ShipmentDecisions.ResolveException(state, exceptionId, resolution, clock.GetUtcNow()));

    public Task<CommandResult> RecordInvoice(string invoiceNumber) =>
        CommitAsync(ShipmentDecisions.RecordInvoice(state, invoiceNumber, clock.GetUtcNow()));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != InvoicingReminder)
        {
            return;
        }

        if (state.InvoiceNumber is null && history.OfType<BillingReady>().FirstOrDefault() is { } ready)
        {
            // Idempotent on the invoice side: Open answers the existing invoice when billing already opened it.
            var invoice = await GrainFactory.GetGrain<IInvoiceGrain>(ShipmentId).Open(ready);
            await RecordInvoice(invoice.InvoiceNumber);
        }

        if (await this.GetReminder(InvoicingReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<ImmutableArray<IShipmentEvent>> GetHistory() => Task.FromResult(history);

    public async Task<ShipmentView?> Rebuild()
    {
        await OnActivateAsync(CancellationToken.None);
        historyPublished = false;
        await PublishAsync([]);
        return await GetView();
    }

    public Task<ShipmentView?> GetView() => Task.FromResult(state.IsBooked ? ShipmentHistory.ToView(state) : null);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        await handleFactory.Create<CarrierEvent>().ResumeAsync(this);
    }

    /// <summary>A batch from the stream is one decision pass and one journal append, like an HTTP batch.</summary>
    public Task OnNextAsync(IList<SequentialItem<CarrierEvent>> items) =>
        RecordCarrierEvents([.. items.Select(item => item.Item)]);

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(logger, ex, ShipmentId);
        return Task.CompletedTask;
    }

    private async Task<CommandResult> CommitAsync(ShipmentDecision decision)
    {
        await CommitEventsAsync([decision]);
        return decision.ToResult();
    }

    private async Task CommitEventsAsync(IReadOnlyCollection<ShipmentDecision> decisions)
    {
        var events = decisions.SelectMany(decision => decision.Events).ToImmutableArray();
        if (events.OfType<BillingReady>().Any())
        {
            // Before the decision is durable, so no committed BillingReady is ever without its reminder.
            await this.RegisterOrUpdateReminder(InvoicingReminder, InvoicingDue, InvoicingPeriod);
        }

        if (events.Length > 0)
        {
            if (!await journal.AppendAsync(StreamId, state.Version, events, CancellationToken.None))
            {
                // Another activation appended first (a failover overlap): this one's state is stale, so give it up.
                LogStaleActivation(logger, ShipmentId, state.Version);
                DeactivateOnIdle();
                throw new InvalidOperationException($"Shipment {ShipmentId} changed elsewhere; retry the command.");
            }

            state = events.Aggregate(state, ShipmentHistory.Apply);
            history = history.AddRange(events);
        }

        await PublishAsync(events);
    }

    private async Task PublishAsync(ImmutableArray<IShipmentEvent> events)
    {
        var toPublish = historyPublished ? events : history;
        if (toPublish.IsEmpty)
        {
            return;
        }

        var stream = this.GetStreamProvider(GridProviders.Streams)
            .GetStream<IShipmentEvent>(Orleans.Runtime.StreamId.Create(GridProviders.ShipmentEvents, ShipmentId));
        try
        {
            await stream.OnNextBatchAsync(toPublish);
        }
        catch
        {
            // The command fails and its sender retries; that retry (even as a duplicate) republishes the history.
            historyPublished = false;
            throw;
        }

        historyPublished = true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipment {ShipmentId} journal moved past version {Version}; deactivating the stale activation")]
    private static partial void LogStaleActivation(ILogger logger, string shipmentId, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Carrier-event stream of shipment {ShipmentId} failed")]
    private static partial void LogStreamError(ILogger logger, Exception exception, string shipmentId);
}
