using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Shipments;

/// <summary>
/// The shell around the shipment rules: rebuilds state from the journal on activation, asks
/// <see cref="ShipmentDecisions"/> what a command means, appends the resulting events and only then applies
/// them and answers. A command that appends nothing answers without touching storage.
/// </summary>
public sealed partial class ShipmentGrain(IEventJournal journal, TimeProvider clock, ILogger<ShipmentGrain> logger)
    : Grain, IShipmentGrain
{
    private ShipmentState state = ShipmentState.Empty;

    private string StreamId => $"shipment/{this.GetPrimaryKeyString()}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        state = ShipmentHistory.Replay(await journal.ReadAsync<IShipmentEvent>(StreamId, cancellationToken));
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

        return await CommitAsync([ShipmentDecisions.Book(state, booking, currency ?? string.Empty, clock.GetUtcNow())]);
    }

    public async Task<ImmutableArray<CommandResult>> RecordCarrierEvents(ImmutableArray<CarrierEvent> carrierEvents)
    {
        // Decide each event against the state the earlier ones produce, then make them all durable at once.
        var decisions = new List<ShipmentDecision>(carrierEvents.Length);
        var pending = state;
        foreach (var carrierEvent in carrierEvents)
        {
            var decision = ShipmentDecisions.RecordCarrierEvent(pending, carrierEvent, clock.GetUtcNow());
            pending = decision.Events.Aggregate(pending, ShipmentHistory.Apply);
            decisions.Add(decision);
        }

        await CommitEventsAsync(decisions);
        return [.. decisions.Select(decision => decision.ToResult())];
    }

    public Task<CommandResult> RecordCharge(Charge charge) =>
        CommitAsync([ShipmentDecisions.RecordCharge(state, charge, clock.GetUtcNow())]);

    public Task<ShipmentView?> GetView() => Task.FromResult(state.IsBooked ? ShipmentHistory.ToView(state) : null);

    private async Task<CommandResult> CommitAsync(ShipmentDecision[] decisions)
    {
        await CommitEventsAsync(decisions);
        return decisions[0].ToResult();
    }

    private async Task CommitEventsAsync(IReadOnlyCollection<ShipmentDecision> decisions)
    {
        var events = decisions.SelectMany(decision => decision.Events).ToArray();
        if (events.Length == 0)
        {
            return;
        }

        if (!await journal.AppendAsync(StreamId, state.Version, events, CancellationToken.None))
        {
            // Another activation appended first (a failover overlap): this one's state is stale, so give it up.
            LogStaleActivation(logger, this.GetPrimaryKeyString(), state.Version);
            DeactivateOnIdle();
            throw new InvalidOperationException($"Shipment {this.GetPrimaryKeyString()} changed elsewhere; retry the command.");
        }

        state = events.Aggregate(state, ShipmentHistory.Apply);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipment {ShipmentId} journal moved past version {Version}; deactivating the stale activation")]
    private static partial void LogStaleActivation(ILogger logger, string shipmentId, int version);
}
