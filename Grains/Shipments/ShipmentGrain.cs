using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShipmentGrid.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;
using ShipmentGrid.Observability;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Shipments;

/// <summary>
/// The shell around the shipment rules: rebuilds state from the journal before its first command, asks
/// <see cref="ShipmentDecisions"/> what a command means, appends the resulting events and only then applies
/// them and answers. Carrier events arrive by direct call (HTTP) or from the journal's intake streams (queued
/// ingestion); whatever is rejected goes to the carrier's dead letters, and duplicates count on the carrier's scorecard.
/// </summary>
/// <remarks>
/// The grain owns its access rules: staff, the shipment's carrier and its customer read it; a caller who may not
/// read it is answered as if it did not exist. Carriers record events and charges only for the shipments they
/// carry, finance records charges, operations resolves exceptions, and only admins rebuild.
/// Nothing is published from here: the committed journal rows are the outbox. The shipment's partition reader
/// hands them to <see cref="IShipmentFollowUpGrain"/> in commit order, so a crash after the commit loses no
/// follow-up effect.
/// </remarks>
public sealed partial class ShipmentGrain(IEventJournal journal, IReadModels readModels, GridMetrics metrics, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock, ILogger<ShipmentGrain> logger)
    : Grain, IShipmentGrain
{
    private ShipmentState state = ShipmentState.Empty;
    private ImmutableArray<IShipmentEvent> history = [];

    /// <summary>Whether <see cref="state"/> is the journal's: false on a fresh activation until the stream is read or a first append proves it empty.</summary>
    private bool loaded;

    private string ShipmentId => this.GetPrimaryKeyString();

    private string StreamId => JournalStreams.Shipment(ShipmentId);

    /// <summary>Reads the stream once per activation, before the first command that needs the shipment's state.</summary>
    private ValueTask EnsureLoadedAsync() => loaded ? ValueTask.CompletedTask : new(LoadAsync());

    private async Task LoadAsync()
    {
        history = [.. await journal.ReadAsync<IShipmentEvent>(StreamId, CancellationToken.None)];
        state = ShipmentHistory.Replay(history);
        loaded = true;
    }

    /// <remarks>
    /// A fresh activation is most often a new shipment's booking, so a booking on an unread stream is decided against
    /// an empty one and appended only if the stream is still empty (version 0): a new shipment's booking costs no read
    /// of a stream expected to be empty. When that append is refused (the booking was sent again after its activation
    /// was collected) or the booking is not applied, the stream is read and the booking decided again.
    /// </remarks>
    public async Task<CommandResult> Book(ShipmentBooking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        if (Caller.Current is { } caller && !caller.Has(GridRoles.Operations) && !caller.IsCustomer(booking.CustomerId))
        {
            return ShipmentDecision.Rejected(RejectionCode.Forbidden, "Only operations or the customer itself books a customer's shipments.").ToResult();
        }

        CommandResult? result = null;
        if (!loaded)
        {
            var first = await DecideBookingAsync(booking);
            if (first.Outcome == CommandOutcome.Applied && await TryCommitToEmptyStreamAsync(first))
            {
                result = first.ToResult();
            }
            else
            {
                await LoadAsync();
            }
        }

        result ??= await CommitAsync(await DecideBookingAsync(booking));
        if (result.Outcome != CommandOutcome.Rejected && history.OfType<ShipmentBooked>().FirstOrDefault() is { } booked)
        {
            // Indexed before the answer, so a carrier status naming only the PRO finds the shipment at once; the
            // projection writes the same row again from the journal, should this write be lost in a crash.
            await readModels.ApplyAsync([new IndexShipmentReferences(booked.Booking, booked.OccurredAt)], CancellationToken.None);
        }

        return result;
    }

    private async Task<ShipmentDecision> DecideBookingAsync(ShipmentBooking booking)
    {
        var currency = state.BillingCurrency;
        if (currency is null && !string.IsNullOrWhiteSpace(booking.CustomerId))
        {
            var customer = await GrainFactory.GetGrain<ICustomerGrain>(booking.CustomerId).GetProfile();
            if (customer is null)
            {
                return ShipmentDecision.Rejected(RejectionCode.CustomerNotFound, $"Customer {booking.CustomerId} is not registered.");
            }

            currency = customer.BillingCurrency;
        }

        return ShipmentDecisions.Book(state, booking, currency ?? string.Empty, clock.GetUtcNow());
    }

    /// <summary>Appends a booking decided on an unread stream as the stream's first events; false, writing nothing, when the stream is not empty.</summary>
    private async Task<bool> TryCommitToEmptyStreamAsync(ShipmentDecision decision)
    {
        using var activity = StartApply(carrierId: null);
        if (!await journal.AppendAsync(StreamId, 0, decision.Events, CancellationToken.None))
        {
            return false;
        }

        loaded = true;
        Applied(decision.Events);
        TagParties(activity);
        return true;
    }

    public async Task<ImmutableArray<CommandResult>> RecordCarrierEvents(ImmutableArray<CarrierEvent> carrierEvents)
    {
        await EnsureLoadedAsync();
        using var activity = StartApply(carrierEvents.Select(carrierEvent => carrierEvent.CarrierId).FirstOrDefault());
        activity?.SetTag("shipmentgrid.carrier_event.count", carrierEvents.Length);
        // Decide each event against the state the earlier ones produce, then make them all durable at once.
        var decisions = new ShipmentDecision[carrierEvents.Length];
        var pending = state;
        var caller = Caller.Current;
        for (var i = 0; i < carrierEvents.Length; i++)
        {
            if (ForbiddenEvent(caller, carrierEvents[i]) is { } forbidden)
            {
                decisions[i] = ShipmentDecision.Rejected(RejectionCode.Forbidden, forbidden);
                continue;
            }

            // Another carrier's shipment is answered as if it did not exist, exactly as an unknown one.
            var visible = caller is null || CallerMayRead(caller) ? pending : ShipmentState.Empty;
            decisions[i] = ShipmentDecisions.RecordCarrierEvent(visible, carrierEvents[i], clock.GetUtcNow());
            pending = decisions[i].Events.Aggregate(pending, ShipmentHistory.Apply);
        }

        await CommitEventsAsync(decisions);
        var now = clock.GetUtcNow();
        var refused = carrierEvents.Zip(decisions)
            .Where(pair => Kept(pair.First, pair.Second))
            .SelectMany(pair => pair.Second.Outcome switch
            {
                CommandOutcome.Rejected => DeadLetters.Keep(pair.First, pair.Second.Reason ?? pair.Second.Rejection.ToString(), now, pair.Second.Rejection),
                CommandOutcome.Duplicate => [new CountKpi(KpiSubject.Carrier(pair.First.CarrierId), KpiMetrics.Duplicates, pair.First.ReceivedAt, 1)],
                _ => [],
            })
            .ToList();
        if (refused.Count > 0)
        {
            await readModels.ApplyAsync(refused, CancellationToken.None);
        }

        foreach (var (carrierEvent, decision) in carrierEvents.Zip(decisions))
        {
            metrics.CarrierEventDecided(carrierEvent, decision.Outcome, decision.Rejection, deadLettered: Kept(carrierEvent, decision) && decision.Outcome == CommandOutcome.Rejected);
        }

        foreach (var delivered in decisions.SelectMany(decision => decision.Events).OfType<ShipmentDelivered>())
        {
            metrics.Delivered(delivered);
        }

        TagParties(activity);
        return [.. decisions.Select(decision => decision.ToResult())];
    }

    /// <summary>Whether a refused event is kept (dead letter or duplicate count): it names a carrier, and no one was refused access.</summary>
    private static bool Kept(CarrierEvent carrierEvent, ShipmentDecision decision) =>
        !string.IsNullOrWhiteSpace(carrierEvent.CarrierId) && decision.Rejection != RejectionCode.Forbidden;

    public async Task<CommandResult> RecordCharge(Charge charge)
    {
        await EnsureLoadedAsync();
        return Caller.Current is { } caller && !caller.Has(GridRoles.Finance) && !(state.IsBooked && caller.IsCarrier(state.Booking!.CarrierId))
            ? Refused(caller, "Only finance or the shipment's carrier records its charges.")
            : await CommitAsync(ShipmentDecisions.RecordCharge(state, charge, clock.GetUtcNow()));
    }

    public async Task<CommandResult> VoidCharge(string chargeId, string reason, Charge? replacement)
    {
        await EnsureLoadedAsync();
        return Caller.Current is { } caller && !caller.Has(GridRoles.Finance)
            ? Refused(caller, "Only finance voids charges.")
            : await CommitAsync(ShipmentDecisions.VoidCharge(state, chargeId, reason, replacement, clock.GetUtcNow()));
    }

    public async Task<CommandResult> ResolveException(string exceptionId, string resolution)
    {
        await EnsureLoadedAsync();
        return Caller.Current is { } caller && !caller.Has(GridRoles.Operations)
            ? Refused(caller, "Only operations resolves delivery exceptions.")
            : await CommitAsync(ShipmentDecisions.ResolveException(state, exceptionId, resolution, clock.GetUtcNow()));
    }

    public async Task<CommandResult> RecordInvoice(string invoiceNumber)
    {
        await EnsureLoadedAsync();
        return await CommitAsync(ShipmentDecisions.RecordInvoice(state, invoiceNumber, clock.GetUtcNow()));
    }

    public async Task<ImmutableArray<IShipmentEvent>> GetHistory()
    {
        await EnsureLoadedAsync();
        return CallerMayRead(Caller.Current) ? history : [];
    }

    public async Task<ImmutableArray<string?>> GetHistoryTraces()
    {
        await EnsureLoadedAsync();
        return CallerMayRead(Caller.Current) ? [.. await journal.ReadTraceParentsAsync(StreamId, CancellationToken.None)] : [];
    }

    public async Task<ShipmentView?> Rebuild()
    {
        if (Caller.Current is { IsAdmin: false })
        {
            return null;
        }

        await LoadAsync();
        return await GetView();
    }

    public async Task<ShipmentView?> GetView()
    {
        await EnsureLoadedAsync();
        return state.IsBooked && CallerMayRead(Caller.Current) ? ShipmentHistory.ToView(state) : null;
    }

    /// <summary>Inside the grid (no caller) everything is readable; otherwise staff, the carrier and the customer of a booked shipment.</summary>
    private bool CallerMayRead(Caller? caller) =>
        caller is null || (state.Booking is { } booking && caller.CanReadShipment(booking.CustomerId, booking.CarrierId));

    /// <summary>A write the caller may not make: forbidden when it can read the shipment, otherwise as if the shipment did not exist.</summary>
    private CommandResult Refused(Caller caller, string reason) =>
        (CallerMayRead(caller)
            ? ShipmentDecision.Rejected(RejectionCode.Forbidden, reason)
            : ShipmentDecision.Rejected(RejectionCode.ShipmentNotBooked, $"Shipment {ShipmentId} is not booked.")).ToResult();

    /// <summary>
    /// Why the caller may not send this event, or null when it may. A carrier's key is its identity: it sends events
    /// only under its own carrier id. Operations may send any (dead-letter replay).
    /// </summary>
    private static string? ForbiddenEvent(Caller? caller, CarrierEvent carrierEvent) =>
        caller is null || caller.Has(GridRoles.Operations) || caller.IsCarrier(carrierEvent.CarrierId)
            ? null
            : $"This key may not send events for carrier '{carrierEvent.CarrierId}'.";

    private async Task<CommandResult> CommitAsync(ShipmentDecision decision)
    {
        using var activity = StartApply(carrierId: null);
        await CommitEventsAsync([decision]);
        TagParties(activity);
        return decision.ToResult();
    }

    /// <summary>The span of one command on the shipment, from its decision to its commit.</summary>
    private Activity? StartApply(string? carrierId) =>
        GridTracing.Start("shipment apply")
            .Tag(GridTracing.ShipmentAttribute, ShipmentId)
            .Tag(GridTracing.PartnerAttribute, carrierId);

    /// <summary>
    /// The booked shipment's customer, and its carrier unless the sender is already named: known once the command is
    /// applied (a booking brings them).
    /// </summary>
    private void TagParties(Activity? activity) =>
        activity.Tag(GridTracing.CustomerAttribute, state.Booking?.CustomerId)
            .Tag(GridTracing.PartnerAttribute, activity?.GetTagItem(GridTracing.PartnerAttribute) is null ? state.Booking?.CarrierId : null);

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
            throw new StaleActivationException($"Shipment {ShipmentId} changed elsewhere; retry the command.");
        }

        Applied(events);
    }

    private void Applied(ImmutableArray<IShipmentEvent> events)
    {
        state = events.Aggregate(state, ShipmentHistory.Apply);
        history = history.AddRange(events);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipment {ShipmentId} journal moved past version {Version}; deactivating the stale activation")]
    private static partial void LogStaleActivation(ILogger logger, string shipmentId, int version);
}
