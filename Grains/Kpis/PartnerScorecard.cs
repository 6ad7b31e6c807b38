using System.Collections.Immutable;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Kpis;

/// <summary>What a carrier's scorecard knows of one of its shipments; redelivered facts fold into the same value.</summary>
[GenerateSerializer, Immutable, Alias("sg.carrier-shipment-facts.v1")]
public sealed record CarrierShipmentFacts(
    [Id(0)] bool Booked,
    [Id(1)] DateTimeOffset? PlannedDelivery,
    [Id(2)] DateTimeOffset? DeliveredAt,
    [Id(3)] ImmutableSortedSet<string> ExceptionIds)
{
    public static CarrierShipmentFacts None { get; } = new(false, null, null, ImmutableSortedSet.Create<string>(StringComparer.Ordinal));
}

/// <summary>Partner SLA compliance, exceptions per 100 shipments, duplicates and dead letters (DOMAIN.md, Business KPIs).</summary>
public static class PartnerScorecard
{
    public static CarrierShipmentFacts Book(CarrierShipmentFacts facts, DateTimeOffset? plannedDelivery) =>
        facts with { Booked = true, PlannedDelivery = plannedDelivery };

    /// <summary>Delivery and proof of delivery both count; a late-reported earlier delivery moves the time back.</summary>
    public static CarrierShipmentFacts Deliver(CarrierShipmentFacts facts, DateTimeOffset deliveredAt) =>
        facts.DeliveredAt is { } known && known <= deliveredAt ? facts : facts with { DeliveredAt = deliveredAt };

    public static CarrierShipmentFacts OpenException(CarrierShipmentFacts facts, string exceptionId) =>
        facts with { ExceptionIds = facts.ExceptionIds.Add(exceptionId) };

    /// <summary>Delivered at or before the planned delivery plus the carrier's tolerance; null when there was no plan to judge by.</summary>
    public static bool? IsOnTime(CarrierShipmentFacts facts, TimeSpan tolerance) =>
        facts is { DeliveredAt: { } delivered, PlannedDelivery: { } planned } ? delivered <= planned + tolerance : null;

    /// <summary>Identifies one delivery of a duplicate: a carrier resending the event is counted again, a redelivered stream batch is not.</summary>
    public static string DuplicateFactId(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        return $"duplicate/{carrierEvent.ShipmentId}/{carrierEvent.EventId}@{carrierEvent.ReceivedAt.UtcTicks}";
    }

    public static string DeadLetterFactId(string eventId) => $"dead-letter/{eventId}";

    public static CarrierScorecard Score(
        string carrierId, IEnumerable<CarrierShipmentFacts> shipments, int duplicates, int deadLetters, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(shipments);
        var booked = shipments.Where(facts => facts.Booked).ToList();
        var delivered = booked.Count(facts => facts.DeliveredAt is not null);
        var judged = booked.Select(facts => IsOnTime(facts, tolerance)).Where(onTime => onTime is not null).ToList();
        var onTime = judged.Count(onTime => onTime == true);
        var exceptions = booked.Sum(facts => facts.ExceptionIds.Count);
        return new CarrierScorecard(
            carrierId,
            booked.Count,
            delivered,
            judged.Count,
            onTime,
            Percent(onTime, judged.Count),
            tolerance,
            exceptions,
            Percent(exceptions, booked.Count),
            duplicates,
            deadLetters);
    }

    /// <summary>Part per hundred of a whole, to two decimals; null for an empty whole.</summary>
    public static decimal? Percent(int part, int whole) =>
        whole == 0 ? null : Math.Round(part * 100m / whole, 2, MidpointRounding.AwayFromZero);
}
