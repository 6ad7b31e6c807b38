using System.Collections.Immutable;

namespace ShipmentGrid.Kpis;

/// <summary>The shell around <see cref="CashCycle"/>: folds a fact into the shipment it is about and stores only what changed.</summary>
public sealed class CustomerKpiGrain(
    [PersistentState("customer-kpis", GridProviders.Storage)] IPersistentState<CustomerKpiState> stored) : Grain, ICustomerKpiGrain
{
    public Task RecordPickup(string shipmentId, DateTimeOffset pickedUpAt) =>
        UpdateShipmentAsync(shipmentId, facts => CashCycle.PickUp(facts, pickedUpAt));

    public Task RecordProofOfDelivery(string shipmentId, DateTimeOffset deliveredAt) =>
        UpdateShipmentAsync(shipmentId, facts => CashCycle.ProveDelivery(facts, deliveredAt));

    public Task RecordInvoicePosted(string shipmentId, DateTimeOffset postedAt) =>
        UpdateShipmentAsync(shipmentId, facts => CashCycle.Post(facts, postedAt));

    public Task<CustomerCashKpis> GetCashKpis() =>
        Task.FromResult(CashCycle.Measure(this.GetPrimaryKeyString(), stored.State.Shipments.Values));

    private async Task UpdateShipmentAsync(string shipmentId, Func<CustomerShipmentFacts, CustomerShipmentFacts> fold)
    {
        var before = stored.State.Shipments.GetValueOrDefault(shipmentId, CustomerShipmentFacts.None);
        var after = fold(before);
        if (!Equals(before, after))
        {
            stored.State.Shipments = stored.State.Shipments.SetItem(shipmentId, after);
            await stored.WriteStateAsync();
        }
    }
}

[GenerateSerializer, Alias("sg.customer-kpi-state.v1")]
public sealed class CustomerKpiState
{
    [Id(0)]
    public ImmutableSortedDictionary<string, CustomerShipmentFacts> Shipments { get; set; } =
        ImmutableSortedDictionary.Create<string, CustomerShipmentFacts>(StringComparer.Ordinal);
}
