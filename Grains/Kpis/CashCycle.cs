namespace ShipmentGrid.Kpis;

/// <summary>What a customer's cash KPIs know of one shipment; the first time learned of each step stands.</summary>
[GenerateSerializer, Immutable, Alias("sg.customer-shipment-facts.v1")]
public sealed record CustomerShipmentFacts(
    [Id(0)] DateTimeOffset? PickedUpAt,
    [Id(1)] DateTimeOffset? ProofOfDeliveryAt,
    [Id(2)] DateTimeOffset? PostedAt)
{
    public static CustomerShipmentFacts None { get; } = new(null, null, null);
}

/// <summary>Invoice cycle time (proof of delivery to posted) and shipment-to-cash latency (pickup to posted), DOMAIN.md.</summary>
public static class CashCycle
{
    /// <summary>The earliest pickup reported: a late-arriving earlier pickup is the better fact.</summary>
    public static CustomerShipmentFacts PickUp(CustomerShipmentFacts facts, DateTimeOffset pickedUpAt) =>
        facts.PickedUpAt is { } known && known <= pickedUpAt ? facts : facts with { PickedUpAt = pickedUpAt };

    /// <summary>A shipment has one proof of delivery (the shipment raises it once), so the first one told stands.</summary>
    public static CustomerShipmentFacts ProveDelivery(CustomerShipmentFacts facts, DateTimeOffset deliveredAt) =>
        facts.ProofOfDeliveryAt is null ? facts with { ProofOfDeliveryAt = deliveredAt } : facts;

    /// <summary>An invoice posts once; a repeated announcement of it changes nothing.</summary>
    public static CustomerShipmentFacts Post(CustomerShipmentFacts facts, DateTimeOffset postedAt) =>
        facts.PostedAt is null ? facts with { PostedAt = postedAt } : facts;

    public static CustomerCashKpis Measure(string customerId, IEnumerable<CustomerShipmentFacts> shipments)
    {
        ArgumentNullException.ThrowIfNull(shipments);
        var posted = shipments.Where(facts => facts.PostedAt is not null).ToList();
        return new CustomerCashKpis(
            customerId,
            posted.Count,
            Stats(posted.Where(facts => facts.ProofOfDeliveryAt is not null).Select(facts => facts.PostedAt!.Value - facts.ProofOfDeliveryAt!.Value)),
            Stats(posted.Where(facts => facts.PickedUpAt is not null).Select(facts => facts.PostedAt!.Value - facts.PickedUpAt!.Value)));
    }

    /// <summary>Seconds as exact decimals (ticks are exact); the average is rounded to the millisecond.</summary>
    public static DurationStats Stats(IEnumerable<TimeSpan> durations)
    {
        ArgumentNullException.ThrowIfNull(durations);
        var seconds = durations.Select(duration => duration.Ticks / (decimal)TimeSpan.TicksPerSecond).ToList();
        if (seconds.Count == 0)
        {
            return new DurationStats(0, 0m, null, null, null);
        }

        var total = seconds.Sum();
        return new DurationStats(seconds.Count, total, seconds.Min(), seconds.Max(), Math.Round(total / seconds.Count, 3, MidpointRounding.AwayFromZero));
    }
}
