using System.Collections.Concurrent;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>How the grid acknowledged an event: applied, a duplicate of one it holds, or queued to be applied shortly.</summary>
internal enum EventAcknowledgement
{
    Accepted,
    Duplicate,
    Queued,
}

/// <summary>An event the grid acknowledged; <see cref="At"/> is when it first did.</summary>
internal sealed record AcknowledgedEvent(
    string CarrierId, string EventId, string ShipmentId, EventRoute Route, EventAcknowledgement Acknowledgement, string Step, DateTimeOffset At);

/// <summary>A shipment the grid booked, with what it acknowledged for it since.</summary>
internal sealed class AcknowledgedShipment(string shipmentId, string customerId, string carrierId)
{
    private readonly ConcurrentDictionary<string, decimal> _charges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ChargeKind, DateTimeOffset> _chargeKinds = new();
    private readonly Lock _proofLock = new();

    public string ShipmentId { get; } = shipmentId;

    public string CustomerId { get; } = customerId;

    public string CarrierId { get; } = carrierId;

    /// <summary>Charge ids with their amounts (the grid's ids for EDI 210 lines).</summary>
    public IReadOnlyDictionary<string, decimal> Charges => _charges;

    /// <summary>When proof of delivery was first acknowledged, or null.</summary>
    public DateTimeOffset? ProofAt { get; private set; }

    /// <summary>
    /// A request for this shipment was never answered (the deadline passed): what it carried may or may not be in the grid,
    /// so events the tool did not see acknowledged are not differences here, and its billing is not judged.
    /// </summary>
    public bool Uncertain { get; private set; }

    /// <summary>Proof of delivery and both required charges acknowledged: the grid must invoice it exactly once.</summary>
    public bool Billable => ProofAt is not null && _chargeKinds.ContainsKey(ChargeKind.Linehaul) && _chargeKinds.ContainsKey(ChargeKind.FuelSurcharge);

    /// <summary>When the shipment became billable in the tool's view: proof of delivery and the last required charge acknowledged.</summary>
    public DateTimeOffset? BillableAt => Billable ? _chargeKinds.Values.Append(ProofAt!.Value).Max() : null;

    public void Charge(string chargeId, ChargeKind kind, decimal amount, DateTimeOffset at)
    {
        _charges[chargeId] = amount;
        _chargeKinds.TryAdd(kind, at);
    }

    public void Proof(DateTimeOffset at)
    {
        lock (_proofLock)
        {
            ProofAt ??= at;
        }
    }

    public void MarkUncertain() => Uncertain = true;
}

/// <summary>
/// Everything the grid acknowledged to this run (2xx; per event Accepted, Duplicate or Queued): the bookings, events,
/// charges and credit holds that must be in the grid, exactly once, when the run ends. The verifier compares the grid
/// with this and nothing else.
/// </summary>
internal sealed class AcknowledgementLedger
{
    private readonly ConcurrentDictionary<string, AcknowledgedShipment> _shipments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string CarrierId, string EventId), AcknowledgedEvent> _events = new();
    private readonly ConcurrentDictionary<string, bool> _creditHolds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _everHeld = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, AcknowledgedShipment> Shipments => _shipments;

    public ICollection<AcknowledgedEvent> Events => _events.Values;

    /// <summary>Customers registered by the run, each with whether it is on credit hold as last acknowledged.</summary>
    public IReadOnlyDictionary<string, bool> Customers => _creditHolds;

    public void Customer(string customerId) => _creditHolds.TryAdd(customerId, false);

    public void CreditHold(string customerId, bool held)
    {
        _creditHolds[customerId] = held;
        if (held)
        {
            _everHeld.TryAdd(customerId, true);
        }
    }

    /// <summary>Whether the customer was put on credit hold at any time in the run.</summary>
    public bool EverHeld(string customerId) => _everHeld.ContainsKey(customerId);

    public void Booked(string shipmentId, string customerId, string carrierId) =>
        _shipments.TryAdd(shipmentId, new AcknowledgedShipment(shipmentId, customerId, carrierId));

    public bool IsBooked(string shipmentId) => _shipments.ContainsKey(shipmentId);

    /// <summary>Records an acknowledged event; a later acknowledgement of the same id (a resend) keeps the first.</summary>
    public void Event(AcknowledgedEvent acknowledged)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        _events.TryAdd((acknowledged.CarrierId, acknowledged.EventId), acknowledged);
        if (acknowledged.Step == "POD" && _shipments.TryGetValue(acknowledged.ShipmentId, out var shipment))
        {
            shipment.Proof(acknowledged.At);
        }
    }

    public void Charge(string shipmentId, string chargeId, ChargeKind kind, decimal amount, DateTimeOffset at)
    {
        if (_shipments.TryGetValue(shipmentId, out var shipment))
        {
            shipment.Charge(chargeId, kind, amount, at);
        }
    }

    public void Uncertain(string shipmentId)
    {
        if (_shipments.TryGetValue(shipmentId, out var shipment))
        {
            shipment.MarkUncertain();
        }
    }
}
