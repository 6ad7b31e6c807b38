using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Shipments;

/// <summary>One shipment, keyed by the caller's shipment id: its history, status, charges and billing state.</summary>
[Alias("sg.IShipmentGrain")]
public interface IShipmentGrain : IGrainWithStringKey
{
    /// <summary>Books the shipment for an existing customer; the same booking again is a duplicate, another a rejection.</summary>
    [Alias("Book")]
    Task<CommandResult> Book(ShipmentBooking booking);

    /// <summary>
    /// Records carrier events in one journal append: one result per event, in order (applied, duplicate, or
    /// rejected with the reason). Acknowledged only once the applied ones are durable.
    /// </summary>
    [Alias("RecordCarrierEvents")]
    Task<ImmutableArray<CommandResult>> RecordCarrierEvents(ImmutableArray<CarrierEvent> carrierEvents);

    [Alias("RecordCharge")]
    Task<CommandResult> RecordCharge(Charge charge);

    /// <summary>Voids a charge recorded in error, optionally replacing it; after the invoice this raises the adjustment.</summary>
    [Alias("VoidCharge")]
    Task<CommandResult> VoidCharge(string chargeId, string reason, Charge? replacement);

    /// <summary>Resolves an open delivery exception of the shipment (its queue item and service case follow).</summary>
    [Alias("ResolveException")]
    Task<CommandResult> ResolveException(string exceptionId, string resolution);

    /// <summary>Records the shipment's invoice number once the invoice exists (idempotent).</summary>
    [Alias("RecordInvoice")]
    Task<CommandResult> RecordInvoice(string invoiceNumber);

    /// <summary>Every event the shipment recorded, oldest first: its source of truth and lineage.</summary>
    [Alias("GetHistory")]
    Task<ImmutableArray<IShipmentEvent>> GetHistory();

    /// <summary>
    /// The W3C trace context each event of the history was recorded under, in the same order (null where none was
    /// current), read from the journal: ties each step of a shipment's story to its trace.
    /// </summary>
    [Alias("GetHistoryTraces")]
    Task<ImmutableArray<string?>> GetHistoryTraces();

    /// <summary>
    /// Admin replay: rebuilds the state from the journal, e.g. after a rule fix (the API then re-drives the
    /// idempotent follow-up with the history). Null when the shipment was never booked.
    /// </summary>
    [Alias("Rebuild")]
    Task<ShipmentView?> Rebuild();

    /// <summary>The shipment as recorded, or null when it was never booked.</summary>
    [Alias("GetView")]
    Task<ShipmentView?> GetView();
}
