using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders.Diagnostics;
using Orleans.TestingHost;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// One in-process test silo configured by <typeparamref name="TConfigurator"/>, shared by a test class. Its tests start
/// once the silo's reminder service has loaded its table: a reminder registered before that waits for the load and
/// fails after 20 s, so a slow start would otherwise fail whichever test registers a reminder first.
/// </summary>
public abstract class InProcessCluster<TConfigurator> : IAsyncLifetime
    where TConfigurator : ISiloConfigurator, new()
{
    private static readonly TimeSpan ReminderServiceDeadline = TimeSpan.FromSeconds(90);

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>The test silo's services.</summary>
    protected IServiceProvider Silo => (Cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("The test silo runs in process.")).SiloHost.Services;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        Cluster = builder.Build();
        using var started = new ReminderServicesStarted();
        await Cluster.DeployAsync();
        if (Silo.GetService<IReminderTable>() is not null)
        {
            try
            {
                await started.OfAsync(Cluster.Primary!.SiloAddress).WaitAsync(ReminderServiceDeadline);
            }
            catch (TimeoutException exception)
            {
                throw new InvalidOperationException(
                    $"The test silo's reminder service did not load its table within {ReminderServiceDeadline.TotalSeconds:F0} s; the silo's log is under logs/.", exception);
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>The silos whose reminder service reported its table loaded while this is subscribed.</summary>
    private sealed class ReminderServicesStarted : IObserver<ReminderEvents.ReminderServiceEvent>, IDisposable
    {
        private readonly ConcurrentDictionary<SiloAddress, TaskCompletionSource> silos = new();
        private readonly IDisposable subscription;

        public ReminderServicesStarted() => subscription = ReminderEvents.ServiceEvents.Subscribe(this);

        public Task OfAsync(SiloAddress silo) => Of(silo).Task;

        public void OnNext(ReminderEvents.ReminderServiceEvent value)
        {
            if (value is ReminderEvents.ReminderServiceStarted { SiloAddress: { } silo })
            {
                Of(silo).TrySetResult();
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose() => subscription.Dispose();

        private TaskCompletionSource Of(SiloAddress silo) =>
            silos.GetOrAdd(silo, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
