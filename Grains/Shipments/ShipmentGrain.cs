using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Shipments;

/// <summary>
/// The shell around the shipment rules: rebuilds state from the journal on activation, asks
/// <see cref="ShipmentDecisions"/> what a command means, appends the resulting events and only then applies
/// them and answers. Carrier events arrive by direct call (HTTP) or from the journal's intake streams (queued
/// ingestion); whatever is rejected goes to the carrier's dead letters, and duplicates count on the carrier's scorecard.
/// </summary>
/// <remarks>
/// Nothing is published from here: the committed journal rows are the outbox. The shipment's partition reader
/// hands them to <see cref="IShipmentFollowUpGrain"/> in commit order, so a crash after the commit loses no
/// follow-up effect.
/// </remarks>
public sealed partial class ShipmentGrain(IEventJournal journal, IReadModels readModels, TimeProvider clock, ILogger<ShipmentGrain> logger)
    : Grain, IShipmentGrain
{
    private ShipmentState state = ShipmentState.Empty;
    private ImmutableArray<IShipmentEvent> history = [];

    private string ShipmentId => this.GetPrimaryKeyString();

    private string StreamId => JournalStreams.Shipment(ShipmentId);

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
        var now = clock.GetUtcNow();
        var refused = carrierEvents.Zip(decisions)
            .Where(pair => !string.IsNullOrWhiteSpace(pair.First.CarrierId))
            .SelectMany(pair => pair.Second.Outcome switch
            {
                CommandOutcome.Rejected => DeadLetters.Keep(pair.First, pair.Second.Reason ?? pair.Second.Rejection.ToString(), now),
                CommandOutcome.Duplicate => [new CountKpi(KpiSubject.Carrier(pair.First.CarrierId), KpiMetrics.Duplicates, pair.First.ReceivedAt, 1)],
                _ => [],
            })
            .ToList();
        if (refused.Count > 0)
        {
            await readModels.ApplyAsync(refused, CancellationToken.None);
        }

        return [.. decisions.Select(decision => decision.ToResult())];
    }

    public Task<CommandResult> RecordCharge(Charge charge) =>
        CommitAsync(ShipmentDecisions.RecordCharge(state, charge, clock.GetUtcNow()));

    public Task<CommandResult> ResolveException(string exceptionId, string resolution) =>
        CommitAsync(ShipmentDecisions.ResolveException(state, exceptionId, resolution, clock.GetUtcNow()));

    public Task<CommandResult> RecordInvoice(string invoiceNumber) =>
        CommitAsync(ShipmentDecisions.RecordInvoice(state, invoiceNumber, clock.GetUtcNow()));

    public Task<ImmutableArray<IShipmentEvent>> GetHistory() => Task.FromResult(history);

    public async Task<ShipmentView?> Rebuild()
    {
        await OnActivateAsync(CancellationToken.None);
        return await GetView();
    }

    public Task<ShipmentView?> GetView() => Task.FromResult(state.IsBooked ? ShipmentHistory.ToView(state) : null);

    private async Task<CommandResult> CommitAsync(ShipmentDecision decision)
    {
        await CommitEventsAsync([decision]);
        return decision.ToResult();
    }

    private async Task CommitEventsAsync(IReadOnlyCollection<ShipmentDecision> decisions)
    {
        var events = decisions.SelectMany(decision => decision.Events).ToImmutableArray();
        if (events.IsEmpty)
        {
            return;
        }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipment {ShipmentId} journal moved past version {Version}; deactivating the stale activation")]
    private static partial void LogStaleActivation(ILogger logger, string shipmentId, int version);
}
