using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;
using ShipmentGrid.Tests.Rules;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Contracts;

/// <summary>Contracts and stored state must survive the Orleans serializer: every member carried, every collection codec present.</summary>
public sealed class ContractSerializationTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(Money).Assembly).AddAssembly(typeof(ShipmentState).Assembly))
        .BuildServiceProvider();

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void A_shipment_history_and_the_state_it_folds_to_round_trip()
    {
        var scenario = new ShipmentScenario().Book(specialHandling: true);
        scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3)));
        scenario.Record(Exception("x1", ExceptionKind.Delayed, Start.AddHours(6)));
        scenario.Record(Charge("c1", ChargeType.Linehaul, 1200m));
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30), detention: true));

        var history = scenario.Published.Select(RoundTrip).ToList();
        var state = RoundTrip(scenario.State);

        // Records holding an ImmutableArray compare it by reference, so BillingIncomplete's problems are compared by content.
        Assert.Equal(scenario.Published.Where(e => e is not BillingIncomplete), history.Where(e => e is not BillingIncomplete));
        Assert.Equal(
            scenario.PublishedOf<BillingIncomplete>().Single().Problems.AsEnumerable(),
            history.OfType<BillingIncomplete>().Single().Problems);
        Assert.Equal(ShipmentHistory.ToView(scenario.State), ShipmentHistory.ToView(ShipmentHistory.Replay(history)), ShipmentViewComparer.Instance);
        Assert.Equal(ShipmentHistory.ToView(scenario.State), ShipmentHistory.ToView(state), ShipmentViewComparer.Instance);
        Assert.Equal(scenario.State.Version, state.Version);
    }

    [Fact]
    public void Carrier_profiles_and_command_results_round_trip()
    {
        var carrier = SampleCarriers.Acme;
        var result = ShipmentDecisions.RecordCharge(Booked(), Charge("c1", ChargeType.Linehaul, -1m), Start).ToResult();

        var carrierCopy = RoundTrip(carrier);
        var resultCopy = RoundTrip(result);

        Assert.Equal(carrier.ChargeCodes.OrderBy(pair => pair.Key), carrierCopy.ChargeCodes.OrderBy(pair => pair.Key));
        Assert.Equal(carrier.MilestoneCodes.OrderBy(pair => pair.Key), carrierCopy.MilestoneCodes.OrderBy(pair => pair.Key));
        Assert.Equal(carrier.Sla, carrierCopy.Sla);
        Assert.Equal(RejectionCode.ValidationFailed, resultCopy.Rejection);
        Assert.Equal(result.Errors["amount.amount"].AsEnumerable(), resultCopy.Errors["amount.amount"]);
    }

    private T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;
}
