using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ShipmentGrid.Journal;
using ShipmentGrid.Tests.Billing;

namespace ShipmentGrid.Tests.Journal;

/// <summary>
/// One in-process silo running the journal readers over the in-memory journal, with one partition (so every
/// stream shares one reader) and followers the test scripts per stream. Retries are quick so failure tests end fast.
/// </summary>
public sealed class JournalReaderCluster : InProcessCluster<JournalReaderCluster.SiloConfigurator>
{
    internal const int MaxDeliveryAttempts = 3;

    internal static ScriptedFollowers Followers { get; } = new();

    public IEventJournal Journal => Silo.GetRequiredService<IEventJournal>();

    /// <summary>The silo's meter factory: instruments it created are this silo's, not another test silo's in the process.</summary>
    public object MeterScope => Silo.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();


    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.ConfigureServices(services => services
                .AddSingleton<TimeProvider>(TimeProvider.System)
                .Configure<JournalOptions>(options =>
                {
                    options.Partitions = 1;
                    options.PollInterval = TimeSpan.FromMilliseconds(10);
                    options.RetryDelay = TimeSpan.FromMilliseconds(1);
                    options.MaxRetryDelay = TimeSpan.FromMilliseconds(5);
                    options.MaxDeliveryAttempts = MaxDeliveryAttempts;
                    options.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
                })
                .AddInMemoryJournal()
                .AddSingleton<IJournalFollowers>(Followers)
                .AddJournalReaders());
    }
}

/// <summary>Followers that record every delivery attempt and behave per stream as a test says.</summary>
internal sealed class ScriptedFollowers : IJournalFollowers
{
    private readonly ConcurrentDictionary<string, Func<int, Task>> behaviours = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string StreamId, int Version, object Event)> delivered = new();

    /// <summary>What the follower does on its Nth attempt at one stream (1-based); throwing fails the attempt.</summary>
    public void Script(string streamId, Func<int, Task> behaviour) => behaviours[streamId] = behaviour;

    public int AttemptsOn(string streamId) => attempts.GetValueOrDefault(streamId);

    public IReadOnlyList<(int Version, object Event)> DeliveredTo(string streamId) =>
        [.. delivered.Where(entry => entry.StreamId == streamId).Select(entry => (entry.Version, entry.Event))];

    public async Task FollowAsync(string streamId, IReadOnlyList<JournalRecord> records)
    {
        var attempt = attempts.AddOrUpdate(streamId, 1, (_, count) => count + 1);
        if (behaviours.TryGetValue(streamId, out var behaviour))
        {
            await behaviour(attempt);
        }

        foreach (var record in records)
        {
            delivered.Enqueue((streamId, record.Version, record.Event));
        }
    }
}
