using System.Collections.Immutable;
using Orleans.Concurrency;

namespace ShipmentGrid.Kpis;

/// <summary>
/// A carrier partner's KPIs, keyed by carrier id, fed by the shipments' event streams, the shipment grain
/// (duplicates) and the carrier's dead letters. Every call is idempotent: facts are keyed by shipment or by a
/// fact id, so a redelivered fact changes nothing.
/// </summary>
[Alias("sg.IPartnerKpiGrain")]
public interface IPartnerKpiGrain : IGrainWithStringKey
{
    [Alias("RecordBooking")]
    Task RecordBooking(string shipmentId, DateTimeOffset? plannedDelivery);

    /// <summary>A carrier-reported delivery or proof of delivery; the earliest one is when the shipment was delivered.</summary>
    [Alias("RecordDelivery")]
    Task RecordDelivery(string shipmentId, DateTimeOffset deliveredAt);

    [Alias("RecordException")]
    Task RecordException(string shipmentId, string exceptionId);

    /// <summary>Carrier events the shipments answered as duplicates, one fact id per delivery of a duplicate.</summary>
    /// <remarks>One-way: a KPI counter must never slow down or fail the ingestion of carrier events.</remarks>
    [Alias("RecordDuplicates"), OneWay]
    Task RecordDuplicates(ImmutableArray<string> factIds);

    [Alias("RecordDeadLetter")]
    Task RecordDeadLetter(string eventId);

    /// <summary>The scorecard, judged against the carrier's registered SLA tolerance (zero when not registered).</summary>
    [Alias("GetScorecard")]
    Task<CarrierScorecard> GetScorecard();
}
