using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ShipmentGrid.Billing;
using ShipmentGrid.Journal;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// One in-process silo configured like the embedded mode (memory storage, journal and its readers, reminders),
/// so the whole path runs as in production: shipment grain, the journal reader of its partition, the follow-up
/// grain, the invoice grain, the customer and the ERP. The ERP is the in-memory ledger behind a recorder of every posting call.
/// Tests share it and stay apart by using their own customer and shipment ids.
/// </summary>
public sealed class ShipmentBillingCluster : InProcessCluster<ShipmentBillingCluster.SiloConfigurator>
{
    // The silo builds its services from a configurator type, so the doubles it hands over are static.
    internal static PostingRecorder Erp { get; } = new(new InMemoryLedgerGateway(TimeProvider.System));

    /// <summary>The silo's journal, where each shipment's events are kept.</summary>
    public IEventJournal Journal => Silo.GetRequiredService<IEventJournal>();

    /// <summary>Mirrors the embedded branch of GridHosting.UseShipmentGridSilo (the test project may not reference Hosting).</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddMemoryGrainStorage(GridProviders.Storage)
                .UseInMemoryReminderService()
                .ConfigureServices(services => services
                    .AddSingleton<TimeProvider>(TimeProvider.System)
                    .AddInMemoryJournal()
                    .AddSingleton<IQueuedEventOutcomes, InMemoryQueuedEventOutcomes>()
                    .AddJournalReaders()
                    .AddSingleton<IErpGateway>(Erp));
    }
}

/// <summary>The ledger, and every posting call the grid made to it, so a test can see what reached the ERP.</summary>
internal sealed class PostingRecorder(InMemoryLedgerGateway ledger) : IErpGateway
{
    private readonly ConcurrentQueue<ErpInvoice> postings = new();

    public InMemoryLedgerGateway Ledger => ledger;

    /// <summary>The invoice numbers the grid asked the ERP to post for this shipment, one per call.</summary>
    public ImmutableArray<string> PostingsFor(string shipmentId) =>
        [.. postings.Where(invoice => invoice.ShipmentId == shipmentId).Select(invoice => invoice.InvoiceNumber)];

    public Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        postings.Enqueue(invoice);
        return ledger.PostAsync(invoice, cancellationToken);
    }

    public Task RecordPaymentAsync(ErpPayment payment, CancellationToken cancellationToken) => ledger.RecordPaymentAsync(payment, cancellationToken);
}
