using System.Collections.Immutable;
using ShipmentGrid.Partners;

namespace ShipmentGrid.Kpis;

/// <summary>The shell around <see cref="PartnerScorecard"/>: folds a fact into the shipment it is about and stores only what changed.</summary>
public sealed class PartnerKpiGrain(
    [PersistentState("partner-kpis", GridProviders.Storage)] IPersistentState<PartnerKpiState> stored) : Grain, IPartnerKpiGrain
{
    private PartnerKpiState State => stored.State;

    public Task RecordBooking(string shipmentId, DateTimeOffset? plannedDelivery) =>
        UpdateShipmentAsync(shipmentId, facts => PartnerScorecard.Book(facts, plannedDelivery));

    public Task RecordDelivery(string shipmentId, DateTimeOffset deliveredAt) =>
        UpdateShipmentAsync(shipmentId, facts => PartnerScorecard.Deliver(facts, deliveredAt));

    public Task RecordException(string shipmentId, string exceptionId) =>
        UpdateShipmentAsync(shipmentId, facts => PartnerScorecard.OpenException(facts, exceptionId));

    public async Task RecordDuplicates(ImmutableArray<string> factIds)
    {
        var counted = factIds.Count(Remember);
        if (counted > 0)
        {
            State.Duplicates += counted;
            await stored.WriteStateAsync();
        }
    }

    public async Task RecordDeadLetter(string eventId)
    {
        if (Remember(PartnerScorecard.DeadLetterFactId(eventId)))
        {
            State.DeadLetters++;
            await stored.WriteStateAsync();
        }
    }

    public async Task<CarrierScorecard> GetScorecard()
    {
        // Judged on read against the current profile, so a carrier registering or changing its SLA is scored by it.
        var carrier = await GrainFactory.GetGrain<ICarrierGrain>(this.GetPrimaryKeyString()).GetProfile();
        return PartnerScorecard.Score(
            this.GetPrimaryKeyString(), State.Shipments.Values, State.Duplicates, State.DeadLetters, carrier?.Profile.Sla.DeliveryTolerance ?? TimeSpan.Zero);
    }

    private bool Remember(string factId)
    {
        var isNew = RecentFacts.TryRemember(State.RecentFacts, factId, out var remembered);
        State.RecentFacts = remembered;
        return isNew;
    }

    private async Task UpdateShipmentAsync(string shipmentId, Func<CarrierShipmentFacts, CarrierShipmentFacts> fold)
    {
        var before = State.Shipments.GetValueOrDefault(shipmentId, CarrierShipmentFacts.None);
        var after = fold(before);
        if (!Equals(before, after))
        {
            State.Shipments = State.Shipments.SetItem(shipmentId, after);
            await stored.WriteStateAsync();
        }
    }
}

[GenerateSerializer, Alias("sg.partner-kpi-state.v1")]
public sealed class PartnerKpiState
{
    [Id(0)]
    public ImmutableSortedDictionary<string, CarrierShipmentFacts> Shipments { get; set; } =
        ImmutableSortedDictionary.Create<string, CarrierShipmentFacts>(StringComparer.Ordinal);

    [Id(1)]
    public int Duplicates { get; set; }

    [Id(2)]
    public int DeadLetters { get; set; }

    [Id(3)]
    public ImmutableArray<string> RecentFacts { get; set; } = [];
}
