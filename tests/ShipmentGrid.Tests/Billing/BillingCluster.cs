using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// One in-process silo with memory storage and reminders, a fake clock and a scripted ERP in front of the
/// in-memory ledger. Tests share it and stay apart by using their own customer and shipment ids. Reminders are
/// registered for real but never fire on the fake clock: tests deliver the ticks themselves.
/// </summary>
public sealed class BillingCluster : IAsyncLifetime
{
    // The silo builds its services from a configurator type, so the test doubles it hands over are static.
    internal static FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));

    internal static ScriptedErpGateway Erp { get; } = new(new InMemoryLedgerGateway(Clock));

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddMemoryGrainStorage(GridProviders.Storage)
                .UseInMemoryReminderService()
                .ConfigureServices(services => services
                    .AddSingleton<TimeProvider>(Clock)
                    .AddSingleton<IErpGateway>(Erp));
    }
}
