using Orleans.Core.Internal;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;
using ShipmentGrid.Shipments;
using ShipmentGrid.Tests.Rules;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// A shipment's fresh activation reads its stream only when a command needs it, and books a new shipment by appending to
/// a stream it expects to be empty. These prove the fresh activation answers as one that read its stream first.
/// </summary>
public sealed class ShipmentActivationTests(ShipmentBillingCluster silo) : IClassFixture<ShipmentBillingCluster>
{
    private readonly IGrainFactory grains = silo.Grains;

    [Fact]
    public async Task A_booking_sent_again_to_a_fresh_activation_is_a_duplicate_and_the_stream_keeps_one_booking()
    {
        var booking = await BookedAsync("SHP-ACT-AGAIN", "CUST-ACT-AGAIN");
        await DeactivateAsync("SHP-ACT-AGAIN");

        var again = await grains.GetGrain<IShipmentGrain>("SHP-ACT-AGAIN").Book(booking);

        Assert.Equal(CommandOutcome.Duplicate, again.Outcome);
        Assert.Single(await StreamAsync("SHP-ACT-AGAIN"));
        Assert.Equal(ShipmentStatus.Booked, (await grains.GetGrain<IShipmentGrain>("SHP-ACT-AGAIN").GetView())?.Status);
    }

    [Fact]
    public async Task Another_booking_under_a_booked_id_sent_to_a_fresh_activation_is_refused_and_writes_nothing()
    {
        var booking = await BookedAsync("SHP-ACT-OTHER", "CUST-ACT-OTHER");
        await DeactivateAsync("SHP-ACT-OTHER");

        var other = await grains.GetGrain<IShipmentGrain>("SHP-ACT-OTHER").Book(booking with { CarrierId = "OTHER-CARRIER" });

        Assert.Equal((CommandOutcome.Rejected, RejectionCode.AlreadyBookedDifferently), (other.Outcome, other.Rejection));
        Assert.Equal([typeof(ShipmentBooked)], (await StreamAsync("SHP-ACT-OTHER")).Select(recorded => recorded.GetType()));
    }

    [Fact]
    public async Task A_fresh_activation_answers_reads_and_commands_from_the_stream()
    {
        await BookedAsync("SHP-ACT-READ", "CUST-ACT-READ");
        var shipment = grains.GetGrain<IShipmentGrain>("SHP-ACT-READ");
        Assert.Equal(CommandOutcome.Applied, (await shipment.RecordCharge(ShipmentScenario.Charge("CHG-ACT-1", ChargeType.Linehaul, 100m))).Outcome);
        await DeactivateAsync("SHP-ACT-READ");

        Assert.Equal(2, (await shipment.GetHistory()).Length);
        await DeactivateAsync("SHP-ACT-READ");
        Assert.Equal(CommandOutcome.Duplicate, (await shipment.RecordCharge(ShipmentScenario.Charge("CHG-ACT-1", ChargeType.Linehaul, 100m))).Outcome);
        Assert.Equal(CommandOutcome.Applied, (await shipment.RecordCharge(ShipmentScenario.Charge("CHG-ACT-2", ChargeType.FuelSurcharge, 50m))).Outcome);
        Assert.Equal(3, (await StreamAsync("SHP-ACT-READ")).Count);
        Assert.Equal(2, (await shipment.GetView())?.Charges.Length);
    }

    private async Task<ShipmentBooking> BookedAsync(string shipmentId, string customerId)
    {
        var registered = await grains.GetGrain<ICustomerGrain>(customerId)
            .Register(new CustomerRegistration(customerId, "Activation Freight", ShipmentScenario.Currency, 1_000_000m, 30));
        Assert.Equal(CommandOutcome.Applied, registered.Outcome);
        var booking = ShipmentScenario.Booking() with { ShipmentId = shipmentId, CustomerId = customerId };
        Assert.Equal(CommandOutcome.Applied, (await grains.GetGrain<IShipmentGrain>(shipmentId).Book(booking)).Outcome);
        return booking;
    }

    /// <summary>Ends the shipment's activation: a call after it reaches a fresh one (Orleans forwards calls that arrive while it deactivates).</summary>
    private ValueTask DeactivateAsync(string shipmentId) =>
        grains.GetGrain<IShipmentGrain>(shipmentId).Cast<IGrainManagementExtension>().DeactivateOnIdle();

    private Task<IReadOnlyList<IShipmentEvent>> StreamAsync(string shipmentId) =>
        silo.Journal.ReadAsync<IShipmentEvent>(JournalStreams.Shipment(shipmentId), CancellationToken.None);
}
