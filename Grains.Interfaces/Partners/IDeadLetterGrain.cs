using System.Collections.Immutable;
using Orleans.Concurrency;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>
/// Carrier events the grid could not apply (unknown shipment, failed validation, a rule refused them), kept per
/// carrier with the reason, so nothing a partner sent is lost and each can be replayed once the cause is fixed.
/// </summary>
[Alias("sg.IDeadLetterGrain")]
public interface IDeadLetterGrain : IGrainWithStringKey
{
    /// <summary>Keeps the event with its reason; the same event id again only refreshes the reason.</summary>
    /// <remarks>Interleaves because a replay calls the shipment, which may dead-letter the event again.</remarks>
    [Alias("Add"), AlwaysInterleave]
    Task Add(CarrierEvent carrierEvent, string reason);

    [Alias("List")]
    Task<ImmutableArray<DeadLetter>> List();

    /// <summary>Sends the event to its shipment again; null when there is no such dead letter.</summary>
    [Alias("Replay")]
    Task<DeadLetter?> Replay(string eventId);
}
