using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

/// <summary>Builds bookings, carrier events and charges for one shipment, and runs commands through the rules.</summary>
internal sealed class ShipmentScenario
{
    public const string ShipmentId = "SHP-1001";
    public const string CustomerId = "CUST-7";
    public const string CarrierId = "CARR-ACME";
    public const string Currency = "USD";

    public static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public ShipmentState State { get; private set; } = ShipmentState.Empty;

    public List<IShipmentEvent> Published { get; } = [];

    public static ShipmentBooking Booking(bool specialHandling = false) => new(
        ShipmentId,
        CustomerId,
        CarrierId,
        new Location("Chicago", "IL", "US", "60601"),
        new Location("Dallas", "TX", "US", null),
        new ShipmentReferences("PRO-55", "BOL-9", null),
        Start.AddHours(2),
        Start.AddDays(2),
        new ServiceFlags(specialHandling));

    public static CarrierEvent Milestone(string eventId, MilestoneType milestone, DateTimeOffset occurredAt, bool detention = false) =>
        Event(eventId, occurredAt) with { Milestone = milestone, DetentionReported = detention };

    public static CarrierEvent Exception(string eventId, ExceptionKind kind, DateTimeOffset occurredAt) =>
        Event(eventId, occurredAt) with { DeliveryException = kind, ReasonCode = "AO" };

    public static Charge Charge(string chargeId, ChargeType type, decimal amount, string currency = Currency) =>
        new(chargeId, type, new Money(amount, currency), ChargeSource.CarrierInvoice, $"210-{chargeId}");

    public static ShipmentState Booked(bool specialHandling = false) =>
        ShipmentHistory.Replay(ShipmentDecisions.Book(ShipmentState.Empty, Booking(specialHandling), Currency, Start).Events);

    public ShipmentScenario Book(bool specialHandling = false)
    {
        Execute(state => ShipmentDecisions.Book(state, Booking(specialHandling), Currency, Clock.GetUtcNow()));
        return this;
    }

    public ShipmentDecision Record(CarrierEvent carrierEvent) =>
        Execute(state => ShipmentDecisions.RecordCarrierEvent(state, carrierEvent, Clock.GetUtcNow()));

    public ShipmentDecision Record(Charge charge) =>
        Execute(state => ShipmentDecisions.RecordCharge(state, charge, Clock.GetUtcNow()));

    /// <summary>Feeds a carrier event or a charge, as the grain would: decide, then fold what was decided.</summary>
    public ShipmentDecision Feed(object command) => command switch
    {
        CarrierEvent carrierEvent => Record(carrierEvent),
        Charge charge => Record(charge),
        _ => throw new ArgumentException($"Not a shipment command: {command}", nameof(command)),
    };

    public ShipmentDecision Execute(Func<ShipmentState, ShipmentDecision> decide)
    {
        var decision = decide(State);
        State = decision.Events.Aggregate(State, ShipmentHistory.Apply);
        Published.AddRange(decision.Events);
        Clock.Advance(TimeSpan.FromMinutes(1));
        return decision;
    }

    public ImmutableArray<TEvent> PublishedOf<TEvent>()
        where TEvent : IShipmentEvent => [.. Published.OfType<TEvent>()];

    private static CarrierEvent Event(string eventId, DateTimeOffset occurredAt) => new(
        eventId,
        CarrierId,
        ShipmentId,
        Milestone: null,
        DeliveryException: null,
        occurredAt,
        occurredAt.AddMinutes(5),
        new Location("Memphis", "TN", "US", null),
        ReasonCode: "NS",
        Notes: null,
        EventSource.Api,
        CarrierEvent.CurrentSchemaVersion,
        DetentionReported: false);
}
