using ShipmentGrid.Operations;
using ShipmentGrid.Tests.Billing;

namespace ShipmentGrid.Tests.Operations;

/// <summary>A resolved item stays resolved when its cause is told again, and opens again only for a new cause.</summary>
public sealed class ExceptionQueueGrainTests(ShipmentBillingCluster silo) : IClassFixture<ShipmentBillingCluster>
{
    private static readonly DateTimeOffset OpenedAt = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_resolved_item_told_its_cause_again_stays_resolved()
    {
        var queue = silo.Grains.GetGrain<IExceptionQueueGrain>($"test-queue-{Guid.NewGuid():N}");
        var item = ExceptionRouting.Open(ExceptionQueue.DeliveryException, "shipment/S-1/exception/X-1", "Damaged.", OpenedAt, "S-1-X");
        await queue.Open(item);
        Assert.True(await queue.Resolve(item.ExceptionId, "Replaced the pallet."));

        await queue.Open(item);

        var stored = await queue.Find(item.ExceptionId);
        Assert.NotNull(stored);
        Assert.False(stored.IsOpen);
        Assert.Equal("Replaced the pallet.", stored.Resolution);
    }

    [Fact]
    public async Task A_resolved_item_opens_again_for_a_new_cause()
    {
        var queue = silo.Grains.GetGrain<IExceptionQueueGrain>($"test-queue-{Guid.NewGuid():N}");
        var first = ExceptionRouting.Open(ExceptionQueue.DeadLetter, "carrier/C-1/event/E-1", "Unknown shipment.", OpenedAt, "E-1/replay-0");
        await queue.Open(first);
        await queue.Resolve(first.ExceptionId, "Booked the shipment.");

        await queue.Open(first with { Reason = "Still unknown.", Cause = "E-1/replay-1" });

        var stored = await queue.Find(first.ExceptionId);
        Assert.NotNull(stored);
        Assert.True(stored.IsOpen);
        Assert.Equal("Still unknown.", stored.Reason);
    }
}
