using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Storage;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Journal;
using ShipmentGrid.Observability;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// Invoices and customers on the real PostgreSQL journal and grain storage: a transition and the state it leads to
/// commit together or not at all, and state an earlier build kept in grain storage is read and moved into the snapshot.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class JournaledStateTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private InProcessSilo _silo = null!;

    private IEventJournal Journal => _silo.Services.GetRequiredService<IEventJournal>();

    private IGrainFactory Grains => _silo.Services.GetRequiredService<IGrainFactory>();

    private IGrainStorage GrainStorage => _silo.Services.GetRequiredKeyedService<IGrainStorage>(GridProviders.Storage);

    public async Task InitializeAsync()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("journaled_state"), "grid_journaled");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _silo = await InProcessSilo.StartAsync(silo => silo
            .UseLocalhostClustering(LoopbackPorts.Next(), LoopbackPorts.Next(), serviceId: "journaled-state-tests", clusterId: "journaled-" + Guid.NewGuid().ToString("N"))
            .AddGridGrainStorage(GridProviders.Storage, settings)
            .UseInMemoryReminderService()
            .ConfigureServices(services => services
                .AddSingleton(_ => NpgsqlDataSource.Create(settings.ProviderConnectionString))
                .AddSingleton(TimeProvider.System)
                .AddSingleton<PostgresReadModels>()
                .AddGridMetrics()
                .AddSingleton(provider => JournalWriterName.Of(provider.GetRequiredService<ILocalSiloDetails>().SiloAddress))
                .AddSingleton<PostgresEventJournal>()
                .AddSingleton<IEventJournal>(provider => provider.GetRequiredService<PostgresEventJournal>())
                .AddHostedService(provider => provider.GetRequiredService<PostgresEventJournal>())
                .AddSingleton<IErpGateway>(new InMemoryLedgerGateway(TimeProvider.System))));
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task An_invoice_and_its_customer_commit_state_and_transitions_together_and_a_stale_commit_writes_neither()
    {
        var customer = await RegisterAsync("C-TOGETHER");
        Assert.Equal(CommandOutcome.Applied, (await customer.PlaceHold("Disputed invoices")).Outcome);
        Assert.Equal(InvoiceStatus.OnHold, (await Grains.GetGrain<IInvoiceGrain>("S-TOGETHER").Open(Ready("S-TOGETHER", "C-TOGETHER"))).Status);

        var invoiceStream = JournalStreams.Invoice("S-TOGETHER");
        var customerStream = JournalStreams.Customer("C-TOGETHER");
        var invoice = await Journal.ReadSnapshotAsync<InvoiceState>(invoiceStream, CancellationToken.None);
        var account = await Journal.ReadSnapshotAsync<CustomerState>(customerStream, CancellationToken.None);
        Assert.Equal(InvoiceStatus.OnHold, invoice?.State.Invoice?.Status);
        Assert.Equal([typeof(InvoiceHeld)], await EventTypesAsync<IInvoiceEvent>(invoiceStream));
        Assert.Equal(1, invoice?.Version.Events);
        Assert.Equal(["INV-S-TOGETHER"], account?.State.Held.Keys);
        Assert.Equal([typeof(CustomerRegistered), typeof(CreditHoldPlaced)], await EventTypesAsync<ICustomerEvent>(customerStream));

        // Another activation's commit from where these streams stood one commit ago is refused, and writes neither.
        var staleInvoice = invoice!.Version with { Commits = invoice.Version.Commits - 1, Events = 0 };
        var released = new InvoiceReleased("INV-S-TOGETHER/released", "S-TOGETHER", "INV-S-TOGETHER", "C-TOGETHER", DateTimeOffset.UtcNow);
        Assert.False(await Journal.CommitAsync<InvoiceState, IInvoiceEvent>(invoiceStream, staleInvoice, [released], new InvoiceState(), CancellationToken.None));
        var staleAccount = account!.Version with { Commits = account.Version.Commits - 1 };
        var payment = new PaymentRecorded("C-TOGETHER/payment/P-STALE", "C-TOGETHER", DateTimeOffset.UtcNow, "P-STALE", new Money(1m, "USD"), new Money(-1m, "USD"));
        Assert.False(await Journal.CommitAsync<CustomerState, ICustomerEvent>(customerStream, staleAccount, [payment], new CustomerState(), CancellationToken.None));

        Assert.Equal(invoice.Version, (await Journal.ReadSnapshotAsync<InvoiceState>(invoiceStream, CancellationToken.None))?.Version);
        Assert.Equal(InvoiceStatus.OnHold, (await Journal.ReadSnapshotAsync<InvoiceState>(invoiceStream, CancellationToken.None))?.State.Invoice?.Status);
        Assert.Equal([typeof(InvoiceHeld)], await EventTypesAsync<IInvoiceEvent>(invoiceStream));
        Assert.Equal(["INV-S-TOGETHER"], (await Journal.ReadSnapshotAsync<CustomerState>(customerStream, CancellationToken.None))?.State.Held.Keys);
        Assert.Equal([typeof(CustomerRegistered), typeof(CreditHoldPlaced)], await EventTypesAsync<ICustomerEvent>(customerStream));

        // The grains themselves go on from the stored state.
        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        await PostedAsync("S-TOGETHER");
        Assert.Equal([typeof(InvoiceHeld), typeof(InvoiceReleased), typeof(InvoicePosted)], await EventTypesAsync<IInvoiceEvent>(invoiceStream));
        Assert.Equal([typeof(CustomerRegistered), typeof(CreditHoldPlaced), typeof(CreditHoldLifted)], await EventTypesAsync<ICustomerEvent>(customerStream));
    }

    [Fact]
    public async Task A_conflicting_commit_is_refused_alone_while_the_commits_beside_it_land()
    {
        var winner = Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-RACE", SnapshotVersion.None, [Released("S-RACE", "first")], new InvoiceState { FailedAttempts = 1 }, CancellationToken.None);
        var loser = Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-RACE", SnapshotVersion.None, [Released("S-RACE", "second")], new InvoiceState { FailedAttempts = 2 }, CancellationToken.None);
        var beside = Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-BESIDE", SnapshotVersion.None, [Released("S-BESIDE", "only")], new InvoiceState { FailedAttempts = 3 }, CancellationToken.None);
        var stateOnly = Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-STATE-ONLY", SnapshotVersion.None, [], new InvoiceState { FailedAttempts = 4 }, CancellationToken.None);

        var outcomes = await Task.WhenAll(winner, loser, beside, stateOnly);
        Assert.Equal([true, false, true, true], outcomes);
        var race = await Journal.ReadSnapshotAsync<InvoiceState>("invoice/S-RACE", CancellationToken.None);
        Assert.Equal((1, new SnapshotVersion(1, 1)), (race?.State.FailedAttempts, race?.Version));
        Assert.Equal(["S-RACE/first"], (await Journal.ReadAsync<IInvoiceEvent>("invoice/S-RACE", CancellationToken.None)).Select(journaled => journaled.EventId));
        Assert.Equal(new SnapshotVersion(1, 1), (await Journal.ReadSnapshotAsync<InvoiceState>("invoice/S-BESIDE", CancellationToken.None))?.Version);
        var stateOnlySnapshot = await Journal.ReadSnapshotAsync<InvoiceState>("invoice/S-STATE-ONLY", CancellationToken.None);
        Assert.Equal((4, new SnapshotVersion(0, 1)), (stateOnlySnapshot?.State.FailedAttempts, stateOnlySnapshot?.Version));
        Assert.Empty(await Journal.ReadAsync<IInvoiceEvent>("invoice/S-STATE-ONLY", CancellationToken.None));

        // A change of state alone is checked too: a second writer from the same point is refused.
        Assert.False(await Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-STATE-ONLY", SnapshotVersion.None, [], new InvoiceState { FailedAttempts = 5 }, CancellationToken.None));
        Assert.True(await Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-STATE-ONLY", stateOnlySnapshot!.Version, [], new InvoiceState { FailedAttempts = 6 }, CancellationToken.None));
        var moved = await Journal.ReadSnapshotAsync<InvoiceState>("invoice/S-STATE-ONLY", CancellationToken.None);
        Assert.Equal(6, moved?.State.FailedAttempts);

        // So is one from a writer whose stream moved on without a snapshot since it read.
        Assert.True(await Journal.AppendAsync<IInvoiceEvent>("invoice/S-STATE-ONLY", 0, [Released("S-STATE-ONLY", "plain")], CancellationToken.None));
        Assert.False(await Journal.CommitAsync<InvoiceState, IInvoiceEvent>("invoice/S-STATE-ONLY", moved!.Version, [], new InvoiceState { FailedAttempts = 7 }, CancellationToken.None));
        Assert.Equal(6, (await Journal.ReadSnapshotAsync<InvoiceState>("invoice/S-STATE-ONLY", CancellationToken.None))?.State.FailedAttempts);
    }

    [Fact]
    public async Task An_invoice_and_customer_kept_in_grain_storage_by_an_earlier_build_are_read_and_moved_into_the_journal()
    {
        var heldAt = DateTimeOffset.UtcNow.AddDays(-1);
        var draft = InvoiceBuilder.Build(Ready("S-LEGACY", "C-LEGACY"), heldAt);
        var legacyInvoice = new InvoiceState { Invoice = draft with { Status = InvoiceStatus.OnHold, HoldReason = "Awaiting credit review" } };
        var legacyCustomer = new CustomerState
        {
            Profile = new CustomerProfile("C-LEGACY", "Northwind Traders", "USD", new Money(10_000m, "USD"), Money.Zero("USD"), CreditHold: true, "Awaiting credit review", 30),
        };
        legacyCustomer.Held[draft.InvoiceNumber] = new HeldCredit(
            new HeldInvoice(draft.InvoiceNumber, "S-LEGACY", draft.Total, heldAt), new CreditDecision(CreditHoldCause.ManualHold, "Awaiting credit review"));
        var invoiceGrain = Grains.GetGrain<IInvoiceGrain>("S-LEGACY");
        var customer = Grains.GetGrain<ICustomerGrain>("C-LEGACY");
        await GrainStorage.WriteStateAsync("invoice", invoiceGrain.GetGrainId(), new GrainState<InvoiceState>(legacyInvoice));
        await GrainStorage.WriteStateAsync("customer", customer.GetGrainId(), new GrainState<CustomerState>(legacyCustomer));

        // Read: the grains answer from grain storage while the journal has nothing for them.
        Assert.Equal(InvoiceStatus.OnHold, (await invoiceGrain.GetView())?.Status);
        Assert.Equal(["INV-S-LEGACY"], (await customer.GetCredit())?.HeldInvoices.Select(held => held.InvoiceNumber));
        Assert.Null(await Journal.ReadSnapshotAsync<InvoiceState>(JournalStreams.Invoice("S-LEGACY"), CancellationToken.None));

        // Moved: the next commits store the snapshots, with the transitions, and clear grain storage.
        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        var posted = await PostedAsync("S-LEGACY");

        var invoice = await Journal.ReadSnapshotAsync<InvoiceState>(JournalStreams.Invoice("S-LEGACY"), CancellationToken.None);
        Assert.Equal((InvoiceStatus.Posted, heldAt), (invoice?.State.Invoice?.Status, invoice?.State.Invoice?.CreatedAt));
        Assert.Equal(posted.ErpDocumentNumber, invoice?.State.Invoice?.ErpDocumentNumber);
        Assert.Equal([typeof(InvoiceReleased), typeof(InvoicePosted)], await EventTypesAsync<IInvoiceEvent>(JournalStreams.Invoice("S-LEGACY")));
        var account = await Journal.ReadSnapshotAsync<CustomerState>(JournalStreams.Customer("C-LEGACY"), CancellationToken.None);
        Assert.Equal(("Northwind Traders", false), (account?.State.Profile?.Name, account?.State.Profile?.CreditHold));
        Assert.Equal([typeof(CreditHoldLifted)], await EventTypesAsync<ICustomerEvent>(JournalStreams.Customer("C-LEGACY")));
        Assert.False(await StoredAsync<InvoiceState>("invoice", invoiceGrain));
        Assert.False(await StoredAsync<CustomerState>("customer", customer));
    }

    private async Task<bool> StoredAsync<TState>(string stateName, IAddressable grain)
    {
        var read = new GrainState<TState>();
        await GrainStorage.ReadStateAsync(stateName, grain.GetGrainId(), read);
        return read.RecordExists;
    }

    private async Task<ICustomerGrain> RegisterAsync(string customerId)
    {
        var customer = Grains.GetGrain<ICustomerGrain>(customerId);
        Assert.Equal(CommandOutcome.Applied, (await customer.Register(new CustomerRegistration(customerId, "Northwind Traders", "USD", 10_000m, 30))).Outcome);
        return customer;
    }

    private async Task<Type[]> EventTypesAsync<TEvent>(string streamId)
        where TEvent : class =>
        [.. (await Journal.ReadAsync<TEvent>(streamId, CancellationToken.None)).Select(journaled => journaled.GetType())];

    private Task<InvoiceView> PostedAsync(string shipmentId) =>
        Eventually.Succeeds(
            async () => await Grains.GetGrain<IInvoiceGrain>(shipmentId).GetView() is { Status: InvoiceStatus.Posted } view
                ? view
                : throw new InvalidOperationException($"{shipmentId} is not posted yet."),
            Deadline,
            $"posting of {shipmentId}");

    private static InvoiceReleased Released(string shipmentId, string copy) =>
        new($"{shipmentId}/{copy}", shipmentId, $"INV-{shipmentId}", "C-RACE", DateTimeOffset.UtcNow);

    private static BillingReady Ready(string shipmentId, string customerId) => new(
        $"{shipmentId}/billing-ready",
        shipmentId,
        DateTimeOffset.UtcNow,
        customerId,
        "USD",
        [
            new Charge($"{shipmentId}-LH", ChargeType.Linehaul, new Money(400m, "USD"), ChargeSource.Rating, "RATE-1"),
            new Charge($"{shipmentId}-FS", ChargeType.FuelSurcharge, new Money(40m, "USD"), ChargeSource.CarrierInvoice, "210-1"),
        ]);
}
