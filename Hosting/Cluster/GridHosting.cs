using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using ShipmentGrid.Billing;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>
/// The one place that turns configuration into Orleans providers. Nothing configured: the embedded default
/// (localhost clustering, memory storage, streams and reminders). <c>ConnectionStrings:Postgres</c> set: ADO.NET
/// clustering, persistence, reminders and durable streams on PostgreSQL. Same binaries, configuration only.
/// </summary>
public static class GridHosting
{
    /// <summary>Configuration section of the durable stream provider (PostgreSQL mode only).</summary>
    public const string StreamsSection = $"{GridOptions.Section}:Streams";

    // Enough queues for a few silos to share the polling; every queue is polled by exactly one silo.
    private const int DefaultStreamQueueCount = 4;

    public static ISiloBuilder UseShipmentGridSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var grid = GridOptions.FromConfiguration(configuration);
        var postgres = PostgresSettings.FromConfiguration(configuration);
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = grid.ClusterId;
            options.ServiceId = grid.ServiceId;
        });

        if (postgres is null)
        {
            silo.UseLocalhostClustering(grid.SiloPort, grid.GatewayPort, serviceId: grid.ServiceId, clusterId: grid.ClusterId)
                .AddMemoryGrainStorage(GridProviders.Storage)
                .AddMemoryGrainStorage("PubSubStore")
                .UseInMemoryReminderService()
                .AddMemoryStreams(GridProviders.Streams);
            silo.Services.AddSingleton<IEventJournal, InMemoryEventJournal>();
            silo.Services.AddSingleton<IErpGateway, InMemoryLedgerGateway>();
        }
        else
        {
            silo.ConfigureEndpoints(grid.ResolveAdvertisedAddress(), grid.SiloPort, grid.GatewayPort, listenOnAnyHostAddress: true)
                .UseAdoNetClustering(options =>
                {
                    options.Invariant = PostgresSettings.Invariant;
                    options.ConnectionString = postgres.ProviderConnectionString;
                })
                .AddAdoNetGrainStorage(GridProviders.Storage, options =>
                {
                    options.Invariant = PostgresSettings.Invariant;
                    options.ConnectionString = postgres.ProviderConnectionString;
                })
                .AddAdoNetGrainStorage("PubSubStore", options =>
                {
                    options.Invariant = PostgresSettings.Invariant;
                    options.ConnectionString = postgres.ProviderConnectionString;
                })
                .UseAdoNetReminderService(options =>
                {
                    options.Invariant = PostgresSettings.Invariant;
                    options.ConnectionString = postgres.ProviderConnectionString;
                })
                .AddDurableStreams(configuration, postgres);
            silo.Services.AddShipmentGridPostgres(postgres);
            silo.Services.AddSingleton<PostgresEventJournal>();
            silo.Services.AddSingleton<IEventJournal>(services => services.GetRequiredService<PostgresEventJournal>());
            silo.Services.AddHostedService(services => services.GetRequiredService<PostgresEventJournal>());
            silo.Services.AddSingleton<IErpGateway, PostgresLedgerGateway>();
        }

        silo.Services.AddSingleton(TimeProvider.System);

        silo.Services.AddOptions<ClusterMembershipOptions>()
            .Configure(ClusterFailureDetection.Apply)
            .Bind(configuration.GetSection(ClusterFailureDetection.Section));
        silo.Services.AddOptions<GrainCollectionOptions>()
            .Configure(options => options.DeactivationTimeout = ClusterFailureDetection.DeactivationTimeout);
        silo.AddActivityPropagation();
        silo.AddDashboard();
        return silo;
    }

    public static IClientBuilder UseShipmentGridClient(this IClientBuilder client, IConfiguration configuration)
    {
        var grid = GridOptions.FromConfiguration(configuration);
        var postgres = PostgresSettings.FromConfiguration(configuration)
            ?? throw new InvalidOperationException("An Orleans client needs ConnectionStrings:Postgres to find the cluster's gateways.");
        client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = grid.ClusterId;
                options.ServiceId = grid.ServiceId;
            })
            .UseAdoNetClustering(options =>
            {
                options.Invariant = PostgresSettings.Invariant;
                options.ConnectionString = postgres.ProviderConnectionString;
            });
        client.Services.AddOptions<GatewayOptions>()
            .Configure(options => options.GatewayListRefreshPeriod = ClusterFailureDetection.GatewayListRefreshPeriod)
            .Bind(configuration.GetSection(ClusterFailureDetection.GatewaySection));
        client.AddDurableStreams(configuration, postgres);
        client.Services.AddShipmentGridPostgres(postgres);
        client.AddActivityPropagation();
        client.AddDashboard();
        return client;
    }

    /// <summary>
    /// Orleans' ADO.NET stream provider on our <c>stream_message</c> queue: an event is acknowledged to its producer
    /// once its row is committed, survives any silo, and after <c>MaxAttempts</c> failed deliveries (or
    /// <c>ExpiryTimeout</c> undelivered) lands in <c>stream_dead_letter</c>. Every option can be overridden under
    /// <c>Orleans:Streams</c>; the connection is always the grid's own.
    /// </summary>
    private static ISiloBuilder AddDurableStreams(this ISiloBuilder silo, IConfiguration configuration, PostgresSettings postgres)
    {
        var section = configuration.GetSection(StreamsSection);
        return silo.AddAdoNetStreams(GridProviders.Streams, streams =>
        {
            streams.ConfigurePartitioning(StreamQueueCount(section));
            streams.ConfigureAdoNet(options => ConfigureStreamQueue(options, section, postgres));
            streams.ConfigurePullingAgent(agent => agent.Bind(section.GetSection("PullingAgent")));
        });
    }

    /// <summary>Clients produce onto the same durable queues (e.g. the API's stream ingestion); only silos pull.</summary>
    private static IClientBuilder AddDurableStreams(this IClientBuilder client, IConfiguration configuration, PostgresSettings postgres)
    {
        var section = configuration.GetSection(StreamsSection);
        return client.AddAdoNetStreams(GridProviders.Streams, streams =>
        {
            streams.ConfigurePartitioning(StreamQueueCount(section));
            streams.ConfigureAdoNet(options => ConfigureStreamQueue(options, section, postgres));
        });
    }

    private static int StreamQueueCount(IConfiguration section)
    {
        var queueCount = section.GetValue("QueueCount", DefaultStreamQueueCount);
        return queueCount > 0
            ? queueCount
            : throw new InvalidOperationException($"{StreamsSection}:QueueCount ({queueCount}) must be positive.");
    }

    private static void ConfigureStreamQueue(OptionsBuilder<AdoNetStreamOptions> options, IConfiguration section, PostgresSettings postgres) =>
        options
            .Configure(defaults =>
            {
                defaults.MaxAttempts = 5;
                // Longer than Orleans' one-minute delivery retry window, so an event still being retried to a
                // slow consumer is not handed to a second one.
                defaults.VisibilityTimeout = TimeSpan.FromMinutes(2);
                // Undelivered events wait out a long outage of the whole cluster before being dead-lettered.
                defaults.ExpiryTimeout = TimeSpan.FromDays(1);
                defaults.DeadLetterEvictionTimeout = TimeSpan.FromDays(7);
            })
            .Bind(section)
            .PostConfigure(connection =>
            {
                connection.Invariant = PostgresSettings.Invariant;
                connection.ConnectionString = postgres.ProviderConnectionString;
            });

    /// <summary>One data source per process: the single way the grid talks to PostgreSQL outside Orleans' providers.</summary>
    private static void AddShipmentGridPostgres(this IServiceCollection services, PostgresSettings postgres)
    {
        services.AddSingleton(postgres);
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgres.ProviderConnectionString));
    }
}
