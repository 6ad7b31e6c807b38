using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.Streams.Core;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// The grid's stream provider in PostgreSQL mode, configured by <see cref="GridHosting.UseShipmentGridSilo"/> itself:
/// implicit subscribers get the events, an acknowledged event outlives the silo that took it, and an event its
/// consumer keeps rejecting ends in the dead letters.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class DurableStreamTests(PostgresServer server) : IAsyncLifetime
{
    private const string Schema = "grid_streams";
    private const string ServiceId = "shipmentgrid-streams";
    private const int MaxAttempts = 3;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly List<IHost> _silos = [];
    private PostgresSettings _settings = null!;

    public async Task InitializeAsync()
    {
        _settings = new PostgresSettings(await server.CreateDatabaseAsync("streams"), Schema);
        await new SchemaMigrator(_settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.StopAsync(new CancellationToken(canceled: true));
            silo.Dispose();
        }
    }

    [Fact]
    public async Task Implicit_subscriber_receives_the_events_published_on_the_grid_stream()
    {
        var silo = await StartSiloAsync();
        var shipment = NewStreamKey();

        var stream = GridStream(silo, ShipmentEventProbeGrain.Namespace, shipment);
        await stream.OnNextAsync("picked-up");
        await stream.OnNextAsync("delivered");

        await Eventually.Holds(
            () => Task.FromResult(StreamProbe.Received(shipment).SequenceEqual(["picked-up", "delivered"])),
            Deadline,
            "both events reach the implicit subscriber in order");
        await Eventually.Holds(async () => await CountAsync("stream_message") == 0, Deadline, "delivered events are confirmed");
    }

    [Fact]
    public async Task Events_acknowledged_before_a_silo_dies_reach_the_subscriber_through_the_next_silo()
    {
        var shipment = NewStreamKey();
        var sent = Enumerable.Range(1, 5).Select(milestone => $"milestone-{milestone}").ToArray();

        // The first silo's subscriber never finishes an event, so nothing it takes is confirmed before it dies.
        var stalled = StreamProbe.Stall(shipment);
        try
        {
            var first = await StartSiloAsync();
            var stream = GridStream(first, ShipmentEventProbeGrain.Namespace, shipment);
            foreach (var milestone in sent)
            {
                await stream.OnNextAsync(milestone);
            }

            // Acknowledged means committed: every event is a queue row, and the silo dies holding all of them.
            Assert.Equal(sent.Length, await CountAsync("stream_message"));
            await Eventually.Holds(
                async () => await CountAsync("stream_message WHERE dequeued > 0") == sent.Length,
                Deadline,
                "the first silo takes every event");
            await KillAsync(first);

            StreamProbe.Resume(shipment);
            await StartSiloAsync();

            await Eventually.Holds(
                () => Task.FromResult(StreamProbe.Received(shipment).Order(StringComparer.Ordinal).SequenceEqual(sent)),
                Deadline,
                "every acknowledged event reaches the subscriber through the second silo");
            await Eventually.Holds(async () => await CountAsync("stream_message") == 0, Deadline, "redelivered events are confirmed");
        }
        finally
        {
            stalled.TrySetCanceled();
        }
    }

    [Fact]
    public async Task An_event_its_consumer_always_rejects_ends_in_the_dead_letters_after_the_configured_attempts()
    {
        var silo = await StartSiloAsync();
        var shipment = NewStreamKey();

        await GridStream(silo, RejectingProbeGrain.Namespace, shipment).OnNextAsync("unreadable");

        var attempts = await Eventually.Succeeds(
            async () => (await Sql.QueryAsync(
                _settings.ProviderConnectionString,
                "SELECT dequeued FROM stream_dead_letter WHERE service_id = @service AND provider_id = @provider",
                reader => reader.GetInt32(0),
                ("service", ServiceId),
                ("provider", GridProviders.Streams))).Single(),
            Deadline,
            "the rejected event is dead-lettered");
        Assert.Equal(MaxAttempts, attempts);
        Assert.Equal(0, await CountAsync("stream_message"));
        Assert.True(StreamProbe.Received(shipment).Count >= MaxAttempts);
    }

    [Fact]
    public async Task Only_the_receipt_of_the_current_attempt_releases_or_confirms_a_message()
    {
        (string, object)[] queue = [("ServiceId", ServiceId), ("ProviderId", GridProviders.Streams), ("QueueId", "queue-0")];
        var messageId = (await RunProviderQueryAsync("QueueStreamMessageKey", reader => reader.GetInt64(reader.GetOrdinal("MessageId")),
            [.. queue, ("Payload", new byte[] { 1 }), ("ExpiryTimeout", 60)])).Single();

        Assert.Equal([1], await TakeAsync());
        Assert.Equal([messageId], await ConfirmAsync($"{messageId}:-1"));
        Assert.Equal([2], await TakeAsync());
        Assert.Empty(await ConfirmAsync($"{messageId}:1"));
        Assert.Equal([messageId], await ConfirmAsync($"{messageId}:2"));
        Assert.Equal(0, await CountAsync("stream_message"));

        Task<List<int>> TakeAsync() => RunProviderQueryAsync("GetStreamMessagesKey", reader => reader.GetInt32(reader.GetOrdinal("Dequeued")),
            [.. queue, ("MaxCount", 10), ("MaxAttempts", MaxAttempts), ("VisibilityTimeout", 60), ("RemovalTimeout", 60),
             ("EvictionInterval", 60), ("EvictionBatchSize", 100)]);

        Task<List<long>> ConfirmAsync(string items) => RunProviderQueryAsync("ConfirmStreamMessagesKey",
            reader => reader.GetInt64(reader.GetOrdinal("MessageId")), [.. queue, ("Items", items)]);
    }

    private async Task<List<T>> RunProviderQueryAsync<T>(string key, Func<Npgsql.NpgsqlDataReader, T> map, (string Name, object Value)[] parameters)
    {
        var text = (await Sql.QueryAsync(
            _settings.ProviderConnectionString, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", reader => reader.GetString(0), ("key", key))).Single();
        return await Sql.QueryAsync(_settings.ProviderConnectionString, text, map, parameters);
    }

    private async Task<IHost> StartSiloAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = _settings.ConnectionString,
                ["Postgres:Schema"] = Schema,
                // Every silo is a new cluster of the same service: the queue belongs to the service, and a fresh
                // cluster does not wait for failure detection to declare a killed predecessor dead.
                ["Orleans:ClusterId"] = "streams-" + Guid.NewGuid().ToString("N"),
                ["Orleans:ServiceId"] = ServiceId,
                ["Orleans:SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans:Streams:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // Short enough that events taken by a killed silo come back within the test's deadline.
                ["Orleans:Streams:VisibilityTimeout"] = "00:00:03",
                ["Orleans:Streams:PullingAgent:MaxEventDeliveryTime"] = "00:00:01",
            })
            .Build();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(silo =>
        {
            silo.UseShipmentGridSilo(configuration);
            // The probe grains live in this test assembly, which the silo does not discover on its own.
            silo.Services.AddSerializer(serializer => serializer.AddAssembly(typeof(ShipmentEventProbeGrain).Assembly));
        });
        var host = builder.Build();
        _silos.Add(host);
        await host.StartAsync();
        return host;
    }

    // A cancelled token makes the silo stop without its graceful shutdown: no deactivation, no handing back.
    private async Task KillAsync(IHost silo)
    {
        _silos.Remove(silo);
        await silo.StopAsync(new CancellationToken(canceled: true));
        silo.Dispose();
    }

    private static IAsyncStream<string> GridStream(IHost silo, string streamNamespace, string key) =>
        silo.Services.GetRequiredService<IClusterClient>()
            .GetStreamProvider(GridProviders.Streams)
            .GetStream<string>(StreamId.Create(streamNamespace, key));

    private static string NewStreamKey() => "SHP-" + Guid.NewGuid().ToString("N");

    private async Task<int> CountAsync(string rows) =>
        (await Sql.QueryAsync(_settings.ProviderConnectionString, $"SELECT count(*)::int FROM {rows}", reader => reader.GetInt32(0))).Single();
}

/// <summary>What the probe grains saw, per stream key; shared because every silo of a test runs in this process.</summary>
public static class StreamProbe
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Events = new();
    private static readonly ConcurrentDictionary<string, Task> Gates = new();

    public static IReadOnlyCollection<string> Received(string key) => Events.GetOrAdd(key, _ => new ConcurrentQueue<string>());

    /// <summary>Holds every delivery on the key until <see cref="Resume"/>; the returned source releases stragglers.</summary>
    public static TaskCompletionSource Stall(string key)
    {
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Gates[key] = stalled.Task;
        return stalled;
    }

    /// <summary>Lets later deliveries through; deliveries already waiting stay held.</summary>
    public static void Resume(string key) => Gates[key] = Task.CompletedTask;

    internal static async Task RecordAsync(string key, string item)
    {
        await Gates.GetValueOrDefault(key, Task.CompletedTask);
        Events.GetOrAdd(key, _ => new ConcurrentQueue<string>()).Enqueue(item);
    }
}

/// <summary>An implicit subscriber of the grid stream, as the shipment grains will be.</summary>
[ImplicitStreamSubscription(Namespace)]
public sealed class ShipmentEventProbeGrain : Grain, IGrainWithStringKey, IStreamSubscriptionObserver, IAsyncObserver<string>
{
    public const string Namespace = "grid-tests.shipment-events";

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<string>().ResumeAsync(this);

    public Task OnNextAsync(string item, StreamSequenceToken? token = null) => StreamProbe.RecordAsync(this.GetPrimaryKeyString(), item);

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}

/// <summary>A subscriber that can never process what it is given.</summary>
[ImplicitStreamSubscription(Namespace)]
public sealed class RejectingProbeGrain : Grain, IGrainWithStringKey, IStreamSubscriptionObserver, IAsyncObserver<string>
{
    public const string Namespace = "grid-tests.rejected-events";

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<string>().ResumeAsync(this);

    public async Task OnNextAsync(string item, StreamSequenceToken? token = null)
    {
        await StreamProbe.RecordAsync(this.GetPrimaryKeyString(), item);
        throw new InvalidOperationException($"The probe rejects '{item}'.");
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
