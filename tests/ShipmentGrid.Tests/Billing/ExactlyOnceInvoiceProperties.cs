using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Shipments;
using ShipmentGrid.Tests.Rules;
using static ShipmentGrid.Tests.Rules.ShipmentDeterminismProperties;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// DOMAIN: exactly one invoice per shipment, whatever the duplicates and the order. The rule-level property
/// (<see cref="ShipmentDeterminismProperties"/>) proves the fold; this one proves the grains around it: the
/// shipment grain, its event stream, the follow-up grain, the invoice grain, the customer and the ERP. Each case
/// books two shipments of a fresh customer with the same generated facts, feeds one in business order and the
/// other repeated and shuffled, and both must end with one posted invoice, one ERP posting and the same view.
/// </summary>
public sealed class ExactlyOnceInvoiceProperties(ShipmentBillingCluster silo) : IClassFixture<ShipmentBillingCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static int cases;

    private readonly IGrainFactory grains = silo.Grains;

    [FsCheck.Xunit.Property(MaxTest = 15)]
    public Property Any_duplication_and_order_of_a_shipments_facts_posts_exactly_one_invoice_once() =>
        // Off the test thread: FsCheck waits on the task, and the grain calls must not need the runner's context.
        Prop.ForAll(Arb.From(Deliveries()), delivery => Task.Run(() => CheckAsync(delivery)));

    private async Task CheckAsync(Delivery delivery)
    {
        var n = Interlocked.Increment(ref cases);
        var customerId = $"CUST-PROP-{n}";
        var inOrder = $"SHP-PROP-{n}-A";
        var asArrived = $"SHP-PROP-{n}-B";
        // A limit no case comes near, so every invoice posts rather than waiting on credit.
        var registered = await grains.GetGrain<ICustomerGrain>(customerId)
            .Register(new CustomerRegistration(customerId, "Property Freight", ShipmentScenario.Currency, 1_000_000_000m, 30));
        Assert.Equal(CommandOutcome.Applied, registered.Outcome);

        await FeedAsync(inOrder, customerId, delivery.SpecialHandling, delivery.Facts);
        await FeedAsync(asArrived, customerId, delivery.SpecialHandling, delivery.Arrivals);

        var expected = await SettledAsync(inOrder);
        var actual = await SettledAsync(asArrived);
        var customer = grains.GetGrain<ICustomerGrain>(customerId);
        var receivables = await Until(
            async () => (await customer.GetProfile())!.OpenReceivables.Amount,
            amount => amount >= expected.Invoice.Total.Amount + actual.Invoice.Total.Amount,
            $"{customerId}'s receivables");

        // One invoice number per shipment ever reached the ERP, and the ledger took it once.
        Assert.Equal([actual.Invoice.InvoiceNumber], ShipmentBillingCluster.Erp.PostingsFor(asArrived).Distinct());
        Assert.Equal(InvoiceNumbering.For(asArrived), actual.Invoice.InvoiceNumber);
        var ledger = ShipmentBillingCluster.Erp.Ledger.Entries.Where(entry => entry.CustomerId == customerId && entry.Kind == LedgerEntryKind.Invoice);
        Assert.Equal(
            [(expected.Invoice.InvoiceNumber, expected.Invoice.Total), (actual.Invoice.InvoiceNumber, actual.Invoice.Total)],
            ledger.Select(entry => (entry.Reference, entry.Amount)).OrderBy(entry => entry.Reference, StringComparer.Ordinal));
        Assert.Equal(expected.Invoice.Total.Amount + actual.Invoice.Total.Amount, receivables);

        // Repeats and order change nothing: the same invoice lines, and the same shipment apart from its id.
        Assert.Equal(expected.Invoice.Lines.AsEnumerable(), actual.Invoice.Lines);
        Assert.Equal(Anonymous(expected.Shipment, inOrder), Anonymous(actual.Shipment, asArrived), ShipmentViewComparer.Instance);
        Assert.Equal(BillingStatus.Invoiced, actual.Shipment.BillingStatus);
    }

    private async Task FeedAsync(string shipmentId, string customerId, bool specialHandling, ImmutableArray<object> facts)
    {
        var shipment = grains.GetGrain<IShipmentGrain>(shipmentId);
        var booked = await shipment.Book(ShipmentScenario.Booking(specialHandling) with { ShipmentId = shipmentId, CustomerId = customerId });
        Assert.Equal(CommandOutcome.Applied, booked.Outcome);
        foreach (var fact in facts)
        {
            var result = fact switch
            {
                CarrierEvent carrierEvent => Assert.Single(await shipment.RecordCarrierEvents([carrierEvent with { ShipmentId = shipmentId }])),
                Charge charge => await shipment.RecordCharge(charge),
                _ => throw new ArgumentException($"Not a shipment fact: {fact}", nameof(facts)),
            };

            // Every fact of a valid shipment is new or a duplicate, whatever its turn.
            Assert.NotEqual(CommandOutcome.Rejected, result.Outcome);
        }
    }

    /// <summary>Waits for the invoice to be posted and the shipment to know its number (the follow-up's last step).</summary>
    private async Task<(InvoiceView Invoice, ShipmentView Shipment)> SettledAsync(string shipmentId)
    {
        var invoice = await Until(
            () => grains.GetGrain<IInvoiceGrain>(shipmentId).GetView(), view => view?.Status == InvoiceStatus.Posted, $"{shipmentId}'s invoice posted");
        var shipment = await Until(
            () => grains.GetGrain<IShipmentGrain>(shipmentId).GetView(), view => view?.InvoiceNumber is not null, $"{shipmentId} knowing its invoice");
        return (invoice!, shipment!);
    }

    private static ShipmentView Anonymous(ShipmentView view, string shipmentId) => view with
    {
        Booking = view.Booking with { ShipmentId = "" },
        Timeline = [.. view.Timeline.Select(carrierEvent => carrierEvent with { ShipmentId = "" })],
        InvoiceNumber = view.InvoiceNumber?.Replace(shipmentId, "", StringComparison.Ordinal),
    };

    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var value = await read();
        while (!done(value))
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"{what}: not within {Deadline}; last seen {value}.");
            }

            await Task.Delay(PollInterval, CancellationToken.None);
            value = await read();
        }

        return value;
    }
}
