using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using ShipmentGrid.Billing;
using ShipmentGrid.Hosting.Access;
using ShipmentGrid.Hosting.Erp;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Journal;
using ShipmentGrid.Observability;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>
/// The one place that turns configuration into Orleans providers. Nothing configured: the embedded default
/// (localhost clustering, memory storage, journal and reminders). <c>ConnectionStrings:Postgres</c> set: ADO.NET
/// clustering, persistence and reminders, and the journal, on PostgreSQL; <c>Journal:Servers</c> spreads the journal's
/// partitions over more servers (<see cref="JournalServers"/>). Same binaries, configuration only.
/// </summary>
public static class GridHosting
{
    public static ISiloBuilder UseShipmentGridSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var grid = GridOptions.FromConfiguration(configuration);
        var postgres = PostgresSettings.FromConfiguration(configuration);
        var erp = ErpOptions.FromConfiguration(configuration);
        var kubernetes = KubernetesHosting.IsEnabled(grid, configuration, postgresMode: postgres is not null);
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = grid.ClusterId;
            options.ServiceId = grid.ServiceId;
        });

        if (postgres is null)
        {
            silo.UseLocalhostClustering(grid.SiloPort, grid.GatewayPort, serviceId: grid.ServiceId, clusterId: grid.ClusterId)
                .AddMemoryGrainStorage(GridProviders.Storage)
                .UseInMemoryReminderService();
            silo.Services.AddInMemoryJournal();
            silo.Services.AddSingleton<IQueuedEventOutcomes, InMemoryQueuedEventOutcomes>();
            silo.Services.AddLedgerErpGateway<InMemoryLedgerGateway>(erp);
        }
        else
        {
            var endpoints = kubernetes
                ? silo.UseGridKubernetesHosting(grid, configuration)
                : silo.ConfigureEndpoints(grid.ResolveAdvertisedAddress(), grid.SiloPort, grid.GatewayPort, listenOnAnyHostAddress: true);
            endpoints.UseAdoNetClustering(options =>
                {
                    options.Invariant = PostgresSettings.Invariant;
                    options.ConnectionString = postgres.ProviderConnectionString;
                })
                .AddGridGrainStorage(GridProviders.Storage, postgres)
                .UseAdoNetReminderService(options =>
                {
                    options.Invariant = PostgresSettings.Invariant;
                    options.ConnectionString = postgres.ProviderConnectionString;
                });
            silo.Services.AddShipmentGridPostgres(postgres);
            var journalServers = JournalServers.ExtraFromConfiguration(configuration, postgres);
            silo.Services.AddSingleton(services => JournalServers.Create(
                services.GetRequiredService<NpgsqlDataSource>(), journalServers, services.GetRequiredService<IOptions<JournalOptions>>().Value.Partitions));
            silo.Services.AddSingleton(services => JournalWriterName.Of(services.GetRequiredService<ILocalSiloDetails>().SiloAddress));
            silo.Services.AddSingleton(services => new PostgresEventJournal(
                services.GetRequiredService<JournalServers>(),
                services.GetRequiredService<Serializer>(),
                services.GetRequiredService<PostgresReadModels>(),
                services.GetRequiredService<IOptions<JournalOptions>>(),
                services.GetRequiredService<JournalWriterName>(),
                services.GetRequiredService<ILogger<PostgresEventJournal>>(),
                services.GetRequiredService<TimeProvider>()));
            silo.Services.AddSingleton<IEventJournal>(services => services.GetRequiredService<PostgresEventJournal>());
            silo.Services.AddSingleton<IJournalFeed>(services => services.GetRequiredService<PostgresEventJournal>());
            silo.Services.AddHostedService(services => services.GetRequiredService<PostgresEventJournal>());
            silo.Services.AddLedgerErpGateway<PostgresLedgerGateway>(erp);
        }

        if (erp.Mode == ErpMode.Http)
        {
            silo.Services.AddHttpErpGateway(erp, configuration);
        }

        silo.Services.AddSingleton(TimeProvider.System);
        silo.Services.AddGridMetrics();
        silo.Services.TryAddSingleton<ErpCircuit>();
        silo.Services.AddDegradingCheck<JournalReadersCheck>("journal-readers");
        silo.Services.AddDegradingCheck<ErpCircuitCheck>("erp-circuit");
        silo.AddIncomingGrainCallFilter<GrainLogContext>();
        silo.AddIncomingGrainCallFilter<StorageFailureTranslation>();
        silo.Services.AddJournalOptions(configuration).AddJournalReaders();
        silo.Services.AddReadModelRetention(configuration);
        var billing = configuration.GetSection(BillingOptions.Section).Get<BillingOptions>() ?? new BillingOptions();
        if (billing.Problem() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        silo.Services.AddOptions<BillingOptions>().Bind(configuration.GetSection(BillingOptions.Section));
        silo.Configure<ReminderOptions>(options =>
            options.MinimumReminderPeriod = billing.ReminderPeriod < options.MinimumReminderPeriod ? billing.ReminderPeriod : options.MinimumReminderPeriod);

        silo.Services.AddOptions<ClusterMembershipOptions>()
            .Configure(ClusterFailureDetection.Apply)
            .Bind(configuration.GetSection(ClusterFailureDetection.Section));
        silo.Services.AddOptions<GrainCollectionOptions>()
            .Configure(ActivationCollection.Apply)
            .Bind(configuration.GetSection(ActivationCollection.Section));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, BillingEscalationStarter>();
        silo.AddOutgoingGrainCallFilter<SampledOutContext>();
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
        client.Services.AddShipmentGridPostgres(postgres);
        client.Services.AddJournalOptions(configuration);
        var gateways = new GatewayConnections();
        client.Services.AddSingleton(gateways);
        client.AddClusterConnectionStatusObserver(gateways);
        client.AddOutgoingGrainCallFilter<SampledOutContext>();
        client.AddActivityPropagation();
        client.AddDashboard();
        return client;
    }

    /// <summary>
    /// Orleans' ADO.NET grain storage on our <c>grain_state</c> table, the one way a grain-state provider is configured
    /// in PostgreSQL mode. State is written with the Orleans serializer, not the provider's default (Newtonsoft JSON
    /// with type names, which cannot read immutable collections back): it round-trips every <c>[GenerateSerializer]</c>
    /// state exactly, and through the <c>[Id]</c> of each member it reads state written before a field was added.
    /// Rows an earlier build wrote in that JSON are still read with it, and rewritten in the Orleans format on the
    /// grain's next write.
    /// </summary>
    public static ISiloBuilder AddGridGrainStorage(this ISiloBuilder silo, string name, PostgresSettings postgres)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        return silo.AddAdoNetGrainStorage(name, storage => storage.Configure<Serializer, IServiceProvider>((options, serializer, services) =>
        {
            options.Invariant = PostgresSettings.Invariant;
            options.ConnectionString = postgres.ProviderConnectionString;
            options.GrainStorageSerializer = new GrainStorageSerializer(
                new OrleansGrainStorageSerializer(serializer),
                ActivatorUtilities.CreateInstance<JsonGrainStorageSerializer>(services));
        }));
    }

    /// <summary>The mode's built-in receivables ledger, unless <c>Erp:Mode</c> sends postings to a remote ERP.</summary>
    private static void AddLedgerErpGateway<TLedger>(this IServiceCollection services, ErpOptions erp)
        where TLedger : class, IErpGateway
    {
        if (erp.Mode == ErpMode.Ledger)
        {
            services.AddSingleton<IErpGateway, TLedger>();
        }
    }

    /// <summary>
    /// One data source per process: the single way the grid talks to PostgreSQL outside Orleans' providers. The read
    /// models are one instance per process, which the silo's journal writes with its readers' checkpoints and the API reads.
    /// </summary>
    private static void AddShipmentGridPostgres(this IServiceCollection services, PostgresSettings postgres)
    {
        services.AddSingleton(postgres);
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgres.ProviderConnectionString));
        services.AddSingleton<IQueuedEventOutcomes, PostgresQueuedEventOutcomes>();
        services.AddSingleton<PostgresReadModels>();
        services.AddSingleton<IReadModels>(provider => provider.GetRequiredService<PostgresReadModels>());
        services.AddSingleton<IApiKeyStore, PostgresApiKeyStore>();
        services.AddSingleton<ShipmentGrid.Edi.IEdiInterchanges, PostgresEdiInterchanges>();
        services.AddSingleton<Webhooks.IWebhookSubscriptions, PostgresWebhookSubscriptions>();
        services.AddSingleton<Webhooks.IWebhookDeliveries, PostgresWebhookDeliveries>();
        services.AddSingleton<Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository, PostgresKeyRing>();
    }
}
