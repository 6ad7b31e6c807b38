using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Reminders;
using Orleans.TestingHost;
using ShipmentGrid.Billing;
using ShipmentGrid.Journal;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// One in-process silo with memory storage, the in-memory journal (no readers: a test reads the streams itself) and
/// reminders, a fake clock and a scripted ERP in front of the in-memory ledger. Tests share it and stay apart by using their own customer and shipment ids. Reminders are
/// registered for real and run on the fake clock; tests also deliver ticks themselves so a step happens when
/// the test says. An extra tick changes nothing: a retry is due by the stored backoff, not by counting ticks.
/// </summary>
public sealed class BillingCluster : InProcessCluster<BillingCluster.SiloConfigurator>
{
    // The silo builds its services from a configurator type, so the test doubles it hands over are static.
    internal static FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));

    internal static ScriptedErpGateway Erp { get; } = new(new InMemoryLedgerGateway(Clock));

    /// <summary>The silo's journal, where invoices and customers commit their state and transitions.</summary>
    public IEventJournal Journal => Silo.GetRequiredService<IEventJournal>();

    /// <summary>The silo's journal as the grains see it, whose commits a test can make fail.</summary>
    public FaultyJournal Faults => Silo.GetRequiredService<FaultyJournal>();

    /// <summary>The silo's read models (in memory), where the billing escalation reads items and opens cases.</summary>
    public ReadModels.IReadModels ReadModels => Silo.GetRequiredService<ReadModels.IReadModels>();

    /// <summary>The names of the reminders the grain has registered, read from the silo's reminder table.</summary>
    public async Task<string[]> RemindersOf(IAddressable grain)
    {
        var table = Silo.GetRequiredService<IReminderTable>();
        var rows = await table.ReadRows(grain.GetGrainId());
        return [.. rows.Reminders.Select(reminder => reminder.ReminderName)];
    }

    /// <summary>The clock Orleans gives the area named <paramref name="area"/> (a key of TimeProviderNames or ReminderTimeProviderNames).</summary>
    public TimeProvider ClockOf(string area) => Silo.GetRequiredKeyedService<TimeProvider>(area);

    /// <summary>The clock registered for <see cref="TimeProvider"/>, the one Orleans' own machinery runs on.</summary>
    public TimeProvider RuntimeClock => Silo.GetRequiredService<TimeProvider>();

    /// <summary>
    /// Only the grains (the grid's, which take the clock of <see cref="TimeProviderNames.Grains"/>, and Orleans' grain
    /// timers) and the reminders run on the fake clock. Everything else of Orleans runs on the clock registered for
    /// <see cref="TimeProvider"/>, which stays the system's: placement's timeout and retries (which have no area of their
    /// own) on the fake clock were timed out by a test moving it an hour, or never retried while no test moved it, and
    /// the reminder service's first read of its table, waiting behind that placement, failed the first reminder
    /// registered with "Reminder Service is still initializing" after 20 s.
    /// </summary>
    private static void RunGrainsAndRemindersOnTheFakeClock(IServiceCollection services)
    {
        services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, Clock);
        services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Clock);
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddMemoryGrainStorage(GridProviders.Storage)
                .UseInMemoryReminderService()
                .ConfigureServices(services => services
                    .AddInMemoryJournal()
                    .AddSingleton(provider => new FaultyJournal(provider.GetRequiredService<InMemoryEventJournal>()))
                    .AddSingleton<IEventJournal>(provider => provider.GetRequiredService<FaultyJournal>())
                    .AddGridMetrics()
                    .AddSingleton<IErpGateway>(Erp))
                .ConfigureServices(RunGrainsAndRemindersOnTheFakeClock);
    }
}
