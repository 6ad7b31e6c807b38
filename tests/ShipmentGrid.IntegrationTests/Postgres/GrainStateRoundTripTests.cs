using System.Collections.Immutable;
using System.Reflection;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Journal;
using ShipmentGrid.Partners;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// Every grain state the grid persists goes through the real ADO.NET grain storage, configured exactly as a PostgreSQL
/// silo configures it, on the migrated schema, and must read back exactly as written. State a grain keeps as the
/// snapshot of its journal stream (a <see cref="JournaledState{TState, TEvent}"/> field) goes through the real
/// PostgreSQL journal the same way.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class GrainStateRoundTripTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private const int SamplesPerState = 40;
    private const string EarlierBuildStorage = "earlier-build";

    /// <summary>One generator per persisted or snapshot state type; a state type missing here fails the tests by name.</summary>
    private static readonly Dictionary<Type, Func<Gen<object>>> Generators = new()
    {
        [typeof(CarrierState)] = Values<CarrierState>,
        [typeof(CustomerState)] = Values<CustomerState>,
        [typeof(InvoiceState)] = Values<InvoiceState>,
    };

    private static readonly MethodInfo RoundTrip =
        typeof(GrainStateRoundTripTests).GetMethod(nameof(RoundTripAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly MethodInfo SnapshotRoundTrip =
        typeof(GrainStateRoundTripTests).GetMethod(nameof(SnapshotRoundTripAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private InProcessSilo _silo = null!;
    private NpgsqlDataSource _dataSource = null!;
    private PostgresEventJournal _journal = null!;

    public static TheoryData<string> PersistedStateTypes => [.. PersistedStates().Select(state => state.Type.FullName!).Distinct()];

    public static TheoryData<string> SnapshotStateTypes => [.. SnapshotStates().Select(state => state.Type.FullName!).Distinct()];

    public async Task InitializeAsync()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("grainstate"), "grid_state");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        _silo = await InProcessSilo.StartAsync(silo =>
        {
            silo.UseLocalhostClustering(LoopbackPorts.Next(), LoopbackPorts.Next(), serviceId: "grain-state-tests", clusterId: "grain-state-" + Guid.NewGuid().ToString("N"));
            foreach (var storage in PersistedStates().Select(state => state.Storage).Distinct())
            {
                silo.AddGridGrainStorage(storage, settings);
            }

            // The provider as earlier builds configured it: Orleans' default Newtonsoft JSON, same table.
            silo.AddAdoNetGrainStorage(EarlierBuildStorage, options =>
            {
                options.Invariant = PostgresSettings.Invariant;
                options.ConnectionString = settings.ProviderConnectionString;
            });
        });

        _dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        var serializer = _silo.Services.GetRequiredService<Serializer>();
        _journal = new PostgresEventJournal(
            _dataSource, serializer, new PostgresReadModels(_dataSource, serializer), Options.Create(new JournalOptions()), new JournalWriterName("grain-state-tests"), NullLogger<PostgresEventJournal>.Instance);
        await _journal.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _journal.StopAsync(CancellationToken.None);
        await _dataSource.DisposeAsync();
        await _silo.DisposeAsync();
    }

    public void Dispose() => _journal.Dispose();

    [Fact]
    public void Every_persisted_state_type_has_a_generator_and_every_generator_a_persisted_type()
    {
        var persisted = PersistedStates().ToList();
        Assert.Contains(persisted, state => state.Type == typeof(CarrierState));

        var uncovered = persisted.Where(state => !Generators.ContainsKey(state.Type)).Select(Describe).ToList();
        Assert.True(uncovered.Count == 0, $"Persisted without a generator in {nameof(GrainStateRoundTripTests)}.{nameof(Generators)}: {string.Join("; ", uncovered)}");

        var snapshots = SnapshotStates().ToList();
        Assert.Contains(snapshots, state => state.Type == typeof(InvoiceState));
        var uncoveredSnapshots = snapshots.Where(state => !Generators.ContainsKey(state.Type)).Select(Describe).ToList();
        Assert.True(uncoveredSnapshots.Count == 0, $"Kept as a journal snapshot without a generator in {nameof(GrainStateRoundTripTests)}.{nameof(Generators)}: {string.Join("; ", uncoveredSnapshots)}");

        var stale = Generators.Keys.Where(type => persisted.Concat(snapshots).All(state => state.Type != type)).Select(type => type.FullName).ToList();
        Assert.True(stale.Count == 0, $"Generators for types no grain persists any more: {string.Join(", ", stale)}");
    }

    [Theory]
    [MemberData(nameof(SnapshotStateTypes))]
    public void Journal_snapshot_state_reads_back_exactly_as_written(string stateType) =>
        CheckPairs(SnapshotStates(), stateType, SnapshotRoundTrip, state => _journal);

    [Theory]
    [MemberData(nameof(PersistedStateTypes))]
    public void Persisted_state_reads_back_exactly_as_written(string stateType) =>
        CheckPairs(PersistedStates(), stateType, RoundTrip, state => _silo.Services.GetRequiredKeyedService<IGrainStorage>(state.Storage));

    /// <summary>Writes generated pairs of the state type through <paramref name="store"/> with <paramref name="roundTrip"/>: each reads back exactly.</summary>
    private static void CheckPairs(IEnumerable<PersistedState> states, string stateType, MethodInfo roundTrip, Func<PersistedState, object> store)
    {
        var state = states.First(candidate => string.Equals(candidate.Type.FullName, stateType, StringComparison.Ordinal));
        Assert.True(Generators.TryGetValue(state.Type, out var generator), $"{Describe(state)} has no generator in {nameof(Generators)}.");
        var values = generator();
        var target = store(state);
        var typed = roundTrip.MakeGenericMethod(state.Type);
        var firstThenSecond = from first in values from second in values select (first, second);

        // Off the test thread: FsCheck waits on each task, and the provider's calls must not need the runner's context.
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(SamplesPerState),
            Prop.ForAll(Arb.From(firstThenSecond), written => Task.Run(() => (Task)typed.Invoke(null, [target, state.Name, written.first, written.second])!)));
    }

    [Fact]
    public async Task State_written_before_a_field_was_added_reads_back_with_the_field_empty()
    {
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(GridProviders.Storage);
        var grain = GrainId.Create("carrier-note", Guid.NewGuid().ToString("N"));
        await storage.WriteStateAsync("carrier-note", grain, new GrainState<CarrierNoteBefore>(new CarrierNoteBefore { Text = "late pickup" }));

        var after = new GrainState<CarrierNoteAfter>();
        await storage.ReadStateAsync("carrier-note", grain, after);

        Assert.NotNull(after.State);
        Assert.Equal("late pickup", after.State.Text);
        Assert.Null(after.State.WeightKg);
        Assert.Empty(after.State.Tags);
    }

    [Fact]
    public async Task State_written_with_an_added_field_still_reads_in_the_version_before()
    {
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(GridProviders.Storage);
        var grain = GrainId.Create("carrier-note", Guid.NewGuid().ToString("N"));
        var newer = new CarrierNoteAfter { Text = "damaged", WeightKg = 12.50m, Tags = ["claim"] };
        await storage.WriteStateAsync("carrier-note", grain, new GrainState<CarrierNoteAfter>(newer));

        var before = new GrainState<CarrierNoteBefore>();
        await storage.ReadStateAsync("carrier-note", grain, before);

        Assert.Equal("damaged", before.State?.Text);
    }

    [Fact]
    public async Task State_an_earlier_build_wrote_as_json_still_reads_and_is_rewritten_in_the_orleans_format()
    {
        var earlier = _silo.Services.GetRequiredKeyedService<IGrainStorage>(EarlierBuildStorage);
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(GridProviders.Storage);
        var grain = GrainId.Create("carrier-note", Guid.NewGuid().ToString("N"));
        await earlier.WriteStateAsync("carrier-note", grain, new GrainState<CarrierNoteBefore>(new CarrierNoteBefore { Text = "held at customs" }));

        var read = new GrainState<CarrierNoteBefore>();
        await storage.ReadStateAsync("carrier-note", grain, read);
        Assert.Equal("held at customs", read.State?.Text);

        await storage.WriteStateAsync("carrier-note", grain, read);
        await Assert.ThrowsAnyAsync<Newtonsoft.Json.JsonException>(() => earlier.ReadStateAsync("carrier-note", grain, new GrainState<CarrierNoteBefore>()));
    }

    private static Gen<object> Values<T>()
        where T : class => StateValues.Of<T>().Select(value => (object)value);

    /// <summary>The state of every <c>[PersistentState]</c> constructor parameter of the Grains assembly.</summary>
    private static IEnumerable<PersistedState> PersistedStates() =>
        from type in typeof(CarrierGrain).Assembly.GetTypes()
        from constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
        from parameter in constructor.GetParameters()
        let attribute = parameter.GetCustomAttribute<PersistentStateAttribute>()
        where attribute is not null
        select new PersistedState(
            parameter.ParameterType.GetGenericArguments().Single(),
            attribute.StateName,
            attribute.StorageName ?? GridProviders.Storage,
            type);

    /// <summary>The state of every <see cref="JournaledState{TState, TEvent}"/> field of the Grains assembly's grains.</summary>
    private static IEnumerable<PersistedState> SnapshotStates() =>
        from type in typeof(CarrierGrain).Assembly.GetTypes()
        from field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
        where field.FieldType is { IsGenericType: true, ContainsGenericParameters: false } && field.FieldType.GetGenericTypeDefinition() == typeof(JournaledState<,>)
        select new PersistedState(field.FieldType.GetGenericArguments()[0], "snapshot", "journal", type);

    private static string Describe(PersistedState state) =>
        $"{state.Type.FullName} (state \"{state.Name}\" of {state.Grain.Name})";

    private static async Task RoundTripAsync<T>(IGrainStorage storage, string stateName, object first, object second)
    {
        var grain = GrainId.Create(stateName, Guid.NewGuid().ToString("N"));
        var written = new GrainState<T>((T)first);
        await storage.WriteStateAsync(stateName, grain, written);
        await ReadsBackAsync(storage, stateName, grain, written.State);

        // The second write replaces an existing row: the update path of the provider.
        written.State = (T)second;
        await storage.WriteStateAsync(stateName, grain, written);
        await ReadsBackAsync(storage, stateName, grain, written.State);
    }

    private static async Task SnapshotRoundTripAsync<T>(IEventJournal journal, string stateName, object first, object second)
        where T : class
    {
        var streamId = $"{stateName}/{Guid.NewGuid():N}";
        Assert.True(await journal.CommitAsync<T, object>(streamId, SnapshotVersion.None, [], (T)first, CancellationToken.None));
        var read = await SnapshotReadsBackAsync(journal, streamId, (T)first);

        // The second commit replaces the stored snapshot: the update path.
        Assert.True(await journal.CommitAsync<T, object>(streamId, read.Version, [], (T)second, CancellationToken.None));
        await SnapshotReadsBackAsync(journal, streamId, (T)second);
    }

    private static async Task<JournalSnapshot<T>> SnapshotReadsBackAsync<T>(IEventJournal journal, string streamId, T expected)
        where T : class
    {
        var read = await journal.ReadSnapshotAsync<T>(streamId, CancellationToken.None);
        Assert.NotNull(read);
        if (StateDifference.Find(expected, read.State, typeof(T).Name) is { } difference)
        {
            Assert.Fail(difference);
        }

        return read;
    }

    private static async Task ReadsBackAsync<T>(IGrainStorage storage, string stateName, GrainId grain, T expected)
    {
        var read = new GrainState<T>();
        await storage.ReadStateAsync(stateName, grain, read);
        Assert.True(read.RecordExists);
        if (StateDifference.Find(expected, read.State, typeof(T).Name) is { } difference)
        {
            Assert.Fail(difference);
        }
    }

    private sealed record PersistedState(Type Type, string Name, string Storage, Type Grain);
}

[GenerateSerializer, Alias("integration-tests.carrier-note-before")]
public sealed class CarrierNoteBefore
{
    [Id(0)]
    public string Text { get; set; } = "";
}

/// <summary><see cref="CarrierNoteBefore"/> in a later version: the same member ids, and two more.</summary>
[GenerateSerializer, Alias("integration-tests.carrier-note-after")]
public sealed class CarrierNoteAfter
{
    [Id(0)]
    public string Text { get; set; } = "";

    [Id(1)]
    public decimal? WeightKg { get; set; }

    [Id(2)]
    public ImmutableSortedSet<string> Tags { get; set; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
}
