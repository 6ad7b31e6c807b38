using Orleans.Reminders;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// The billing tests move a fake clock on by hours and days. Grains and reminders must follow it; Orleans' request
/// timeouts, placement, membership and maintenance must not, or every call in flight when a test moves the clock times out at once.
/// </summary>
public sealed class BillingClusterClockTests(BillingCluster cluster) : IClassFixture<BillingCluster>
{
    [Fact]
    public void Grains_and_reminders_run_on_the_fake_clock_and_the_rest_of_orleans_on_the_system_clock()
    {
        Assert.Same(BillingCluster.Clock, cluster.ClockOf(ReminderTimeProviderNames.Reminders));
        Assert.Same(BillingCluster.Clock, cluster.ClockOf(TimeProviderNames.Grains));
        Assert.Same(TimeProvider.System, cluster.RuntimeClock);
        Assert.All(
            new[] { TimeProviderNames.Messaging, TimeProviderNames.Membership, TimeProviderNames.SystemTimers, TimeProviderNames.ActivationManagement, TimeProviderNames.GrainDirectory },
            area => Assert.Same(TimeProvider.System, cluster.ClockOf(area)));
    }
}
