using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Storage;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// Round trips through the real Orleans 10.4.2 ADO.NET providers of an in-process silo, on the schema our
/// migrations build in a non-default schema, so every query must resolve through search_path.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class OrleansProviderTests(PostgresServer server) : IAsyncLifetime
{
    private const string Schema = "grid_providers";
    private const string ServiceId = "shipmentgrid-tests";
    private const string Store = "store";
    private const string DeletingStore = "store-deleting";
    private const int ActiveStatus = 3;

    private PostgresSettings _settings = null!;
    private IHost _silo = null!;

    public async Task InitializeAsync()
    {
        _settings = new PostgresSettings(await server.CreateDatabaseAsync("providers"), Schema);
        await new SchemaMigrator(_settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = "providers-" + Guid.NewGuid().ToString("N");
                options.ServiceId = ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, LoopbackPorts.Next(), LoopbackPorts.Next());
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = PostgresSettings.Invariant;
                options.ConnectionString = _settings.ProviderConnectionString;
            });
            silo.AddAdoNetGrainStorage(Store, options =>
            {
                options.Invariant = PostgresSettings.Invariant;
                options.ConnectionString = _settings.ProviderConnectionString;
            });
            silo.AddAdoNetGrainStorage(DeletingStore, options =>
            {
                options.Invariant = PostgresSettings.Invariant;
                options.ConnectionString = _settings.ProviderConnectionString;
                options.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = PostgresSettings.Invariant;
                options.ConnectionString = _settings.ProviderConnectionString;
            });
        });
        _silo = builder.Build();
        await _silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.StopAsync();
        _silo.Dispose();
    }

    [Fact]
    public async Task Silo_joins_the_membership_table_as_active()
    {
        var silo = _silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

        var rows = await Sql.QueryAsync(
            _settings.ProviderConnectionString,
            "SELECT status FROM membership_silo WHERE address = @address AND port = @port AND generation = @generation",
            reader => reader.GetInt32(0),
            ("address", silo.Endpoint.Address.ToString()), ("port", silo.Endpoint.Port), ("generation", silo.Generation));
        Assert.Equal([ActiveStatus], rows);

        var table = _silo.Services.GetRequiredService<IMembershipTable>();
        var snapshot = await table.ReadAllAsync(CancellationToken.None);
        var (entry, _) = Assert.Single(snapshot.Members);
        Assert.Equal(silo, entry.SiloAddress);
        Assert.Equal(SiloStatus.Active, entry.Status);
    }

    [Fact]
    public async Task Membership_changes_need_the_current_table_version()
    {
        var table = _silo.Services.GetRequiredService<IMembershipTable>();
        var before = await table.ReadAllAsync(CancellationToken.None);
        var now = DateTime.UtcNow;
        var departed = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 1),
            SiloName = "departed",
            HostName = "test-host",
            Status = SiloStatus.Dead,
            ProxyPort = 0,
            StartTime = now,
            IAmAliveTime = now,
        };

        Assert.True(await table.InsertRowAsync(departed, before.Version.Next(), CancellationToken.None));
        Assert.False(await table.InsertRowAsync(departed, before.Version.Next(), CancellationToken.None));

        var after = await table.ReadRowAsync(departed.SiloAddress, CancellationToken.None);
        var (stored, _) = Assert.Single(after.Members);
        Assert.Equal(SiloStatus.Dead, stored.Status);
        Assert.Equal(before.Version.Version + 1, after.Version.Version);
        Assert.False(await table.UpdateRowAsync(stored, after.Version.VersionEtag, before.Version.Next(), CancellationToken.None));
    }

    [Fact]
    public async Task Grain_state_writes_reads_clears_and_rejects_a_stale_etag()
    {
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(Store);
        var grain = GrainId.Create("shipment", "S-1001");
        var writer = new GrainState<ShipmentNote>(new ShipmentNote { Text = "picked up" });

        await storage.WriteStateAsync("shipment", grain, writer);
        var reader = new GrainState<ShipmentNote>();
        await storage.ReadStateAsync("shipment", grain, reader);
        Assert.True(reader.RecordExists);
        Assert.Equal("picked up", reader.State?.Text);
        Assert.Equal(writer.ETag, reader.ETag);

        writer.State = new ShipmentNote { Text = "delivered" };
        await storage.WriteStateAsync("shipment", grain, writer);
        reader.State = new ShipmentNote { Text = "stale copy" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("shipment", grain, reader));
        var newcomer = new GrainState<ShipmentNote>(new ShipmentNote { Text = "second activation" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("shipment", grain, newcomer));

        await storage.ClearStateAsync("shipment", grain, writer);
        var cleared = new GrainState<ShipmentNote>();
        await storage.ReadStateAsync("shipment", grain, cleared);
        Assert.False(cleared.RecordExists);
        Assert.Equal("", cleared.State?.Text);
        Assert.Equal(writer.ETag, cleared.ETag);
        Assert.Equal([1], await CountGrainRowsAsync());
    }

    [Fact]
    public async Task Grain_state_clear_can_delete_the_row()
    {
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(DeletingStore);
        var grain = GrainId.Create("shipment", "S-2002");
        var state = new GrainState<ShipmentNote>(new ShipmentNote { Text = "booked" });
        await storage.WriteStateAsync("shipment", grain, state);
        var stale = new GrainState<ShipmentNote> { ETag = state.ETag, RecordExists = true };
        await storage.WriteStateAsync("shipment", grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("shipment", grain, stale));
        await storage.ClearStateAsync("shipment", grain, state);

        Assert.Null(state.ETag);
        Assert.Equal([0], await CountGrainRowsAsync());
    }

    [Fact]
    public async Task Reminders_register_read_and_remove_with_their_etag()
    {
        var reminders = _silo.Services.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("invoice", "INV-7");
        var start = new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

        var firstEtag = await reminders.UpsertRow(new ReminderEntry
        {
            GrainId = grain, ReminderName = "erp-retry", StartAt = start, Period = TimeSpan.FromMinutes(5),
        });
        var etag = await reminders.UpsertRow(new ReminderEntry
        {
            GrainId = grain, ReminderName = "erp-retry", StartAt = start, Period = TimeSpan.FromMinutes(10),
        });
        Assert.NotEqual(firstEtag, etag);

        var read = await reminders.ReadRow(grain, "erp-retry");
        Assert.NotNull(read);
        Assert.NotNull(firstEtag);
        Assert.NotNull(etag);
        Assert.Equal(grain, read.GrainId);
        Assert.Equal(start, read.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(10), read.Period);
        Assert.Equal(etag, read.ETag);
        Assert.Single((await reminders.ReadRows(grain)).Reminders);
        var hash = grain.GetUniformHashCode();
        Assert.Single((await reminders.ReadRows(hash - 1, hash)).Reminders);
        Assert.Empty((await reminders.ReadRows(hash, hash + 1)).Reminders);

        Assert.False(await reminders.RemoveRow(grain, "erp-retry", firstEtag));
        Assert.True(await reminders.RemoveRow(grain, "erp-retry", etag));
        Assert.Null(await reminders.ReadRow(grain, "erp-retry"));
    }

    private Task<List<int>> CountGrainRowsAsync() =>
        Sql.QueryAsync(_settings.ProviderConnectionString, "SELECT count(*)::int FROM grain_state", reader => reader.GetInt32(0));
}

[GenerateSerializer, Alias("integration-tests.shipment-note")]
public sealed class ShipmentNote
{
    [Id(0)]
    public string Text { get; set; } = "";
}
