using ShipmentGrid.Customers;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// Separate Silo processes joined through the PostgreSQL membership table: a kill -9 of the silo hosting a
/// shipment loses nothing, and a shipment survives a restart of the whole cluster.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class MultiSiloProcessTests(PostgresServer postgres)
{
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_silo_processes_join_and_the_survivor_serves_a_shipment_after_kill_9_of_its_host()
    {
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("failover"));
        await using var first = await cluster.StartSiloAsync("silo-1");
        await using var second = await cluster.StartSiloAsync("silo-2");
        using var host = await cluster.StartClientAsync();
        var client = ClusterNode.Client(host);
        var management = client.GetGrain<IManagementGrain>(0);
        await Eventually.Holds(async () => (await management.GetHosts(onlyActive: true)).Count == 2, FailoverDeadline, "both silos active in membership");

        var booking = SampleBookings.Booking("SHP-FAILOVER-1");
        await client.GetGrain<ICustomerGrain>(booking.CustomerId).Register(SampleBookings.Customer(booking.CustomerId));
        var shipment = client.GetGrain<IShipmentGrain>(booking.ShipmentId);
        Assert.Equal(CommandOutcome.Applied, (await shipment.Book(booking)).Outcome);

        var hostingSilo = await management.GetActivationAddress(shipment);
        Assert.NotNull(hostingSilo);
        var (victim, survivor) = hostingSilo.Endpoint.Port == first.SiloPort ? (first, second) : (second, first);
        await victim.KillAsync();

        var view = await Eventually.Succeeds(
            async () => await shipment.GetView() ?? throw new InvalidOperationException("shipment not found"),
            FailoverDeadline,
            "the surviving silo serving the shipment");
        Assert.Equal(booking, view.Booking);
        Assert.False(survivor.HasExited);
        var nowHostedBy = await management.GetActivationAddress(shipment);
        Assert.Equal(survivor.SiloPort, nowHostedBy?.Endpoint.Port);
    }

    [Fact]
    public async Task A_shipment_survives_a_restart_of_the_whole_cluster()
    {
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("restart"));
        var booking = SampleBookings.Booking("SHP-RESTART-1");
        await using (var silo = await cluster.StartSiloAsync("silo-before"))
        {
            using var host = await cluster.StartClientAsync();
            await ClusterNode.Client(host).GetGrain<ICustomerGrain>(booking.CustomerId).Register(SampleBookings.Customer(booking.CustomerId));
            var result = await ClusterNode.Client(host).GetGrain<IShipmentGrain>(booking.ShipmentId).Book(booking);
            Assert.Equal(CommandOutcome.Applied, result.Outcome);
            await host.StopAsync();
            await silo.KillAsync();
        }

        await using var restarted = await cluster.StartSiloAsync("silo-after");
        using var after = await cluster.StartClientAsync();
        var view = await Eventually.Succeeds(
            async () => await ClusterNode.Client(after).GetGrain<IShipmentGrain>(booking.ShipmentId).GetView()
                ?? throw new InvalidOperationException("shipment not found"),
            FailoverDeadline,
            "the restarted cluster serving the shipment");
        Assert.Equal(booking, view.Booking);
        var customer = await ClusterNode.Client(after).GetGrain<ICustomerGrain>(booking.CustomerId).GetProfile();
        Assert.Equal("USD", customer?.BillingCurrency);
    }
}
