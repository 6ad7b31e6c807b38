using System.Collections.Immutable;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Journal;

/// <summary>Hands one stream's committed records (in order) to whoever follows that stream; completes once they took them.</summary>
public interface IJournalFollowers
{
    Task FollowAsync(string streamId, IReadOnlyList<JournalRecord> records);
}

/// <summary>
/// The journal's stream kinds and the grains that follow each: the one table that says which grain a committed event
/// goes to after its commit. What events mean for the read models the reader writes itself (ReadModelProjection); a kind
/// with no follower here feeds only those.
/// </summary>
public sealed class JournalStreams(IGrainFactory grains, IQueuedEventOutcomes outcomes, TimeProvider clock) : IJournalFollowers
{
    /// <summary>A shipment's history: followed by the shipment's follow-up grain.</summary>
    public const string ShipmentKind = "shipment";

    /// <summary>Carrier events queued for a shipment, one stream per accepted batch: applied to the shipment, outcomes recorded.</summary>
    public const string IntakeKind = "intake";

    /// <summary>A shipment's invoice: its transitions, committed with the invoice's state as the stream's snapshot.</summary>
    public const string InvoiceKind = "invoice";

    /// <summary>A customer's credit: its transitions, committed with the customer's state as the stream's snapshot.</summary>
    public const string CustomerKind = "customer";

    public static string Shipment(string shipmentId) => $"{ShipmentKind}/{shipmentId}";

    public static string Intake(string shipmentId, Guid batchId) => $"{IntakeKind}/{shipmentId}/{batchId:N}";

    public static string Invoice(string shipmentId) => $"{InvoiceKind}/{shipmentId}";

    public static string Customer(string customerId) => $"{CustomerKind}/{customerId}";

    public Task FollowAsync(string streamId, IReadOnlyList<JournalRecord> records)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(records);
        var kind = JournalPartitioning.KindOf(streamId);
        return kind switch
        {
            // Only billing-ready and adjustments need a grain (an invoice); everything else a shipment event means is a read-model write.
            ShipmentKind when records.Any(record => record.Event is BillingReady or AdjustmentRaised) =>
                grains.GetGrain<IShipmentFollowUpGrain>(streamId[(ShipmentKind.Length + 1)..])
                    .Follow([.. records.Select(record => (IShipmentEvent)record.Event)]),
            IntakeKind => ApplyIntakeAsync(streamId, records),
            _ => Task.CompletedTask,
        };
    }

    private async Task ApplyIntakeAsync(string streamId, IReadOnlyList<JournalRecord> records)
    {
        var shipmentId = streamId[(IntakeKind.Length + 1)..streamId.LastIndexOf('/')];
        ImmutableArray<CarrierEvent> carrierEvents = [.. records.Select(record => (CarrierEvent)record.Event)];
        var results = await grains.GetGrain<IShipmentGrain>(shipmentId).RecordCarrierEvents(carrierEvents);
        var now = clock.GetUtcNow();
        await outcomes.RecordAsync(
            [.. carrierEvents.Zip(results, (carrierEvent, result) => new QueuedEventOutcome(
                carrierEvent.CarrierId,
                carrierEvent.EventId,
                carrierEvent.ShipmentId,
                // A duplicate is already in the history: applied by an earlier copy, or by this one before a crash.
                result.Outcome is CommandOutcome.Applied or CommandOutcome.Duplicate ? QueuedEventStatus.Accepted : QueuedEventStatus.Rejected,
                result.Reason,
                now))],
            CancellationToken.None);
    }
}
