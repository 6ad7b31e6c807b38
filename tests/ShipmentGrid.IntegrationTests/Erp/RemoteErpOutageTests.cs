using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Erp;

/// <summary>The embedded grid configured with <c>Erp:Mode=Http</c>, posting invoices to a remote ERP through an outage.</summary>
public sealed class RemoteErpOutageTests
{
    [Fact]
    public async Task Invoices_failing_through_an_erp_outage_post_exactly_once_when_it_ends_and_their_erp_failure_items_clear()
    {
        await using var erp = await FakeErp.StartAsync();
        await using var api = new RemoteErpApiFactory(ErpSettings.For(erp));
        var grains = api.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<ICustomerGrain>("C-OUTAGE").Register(new CustomerRegistration("C-OUTAGE", "Northwind Traders", "USD", 100_000m, 30));
        string[] shipments = ["S-OUT-1", "S-OUT-2", "S-OUT-3"];
        erp.Outage = 503;

        foreach (var shipmentId in shipments)
        {
            Assert.Equal(InvoiceStatus.Failed, (await grains.GetGrain<IInvoiceGrain>(shipmentId).Open(Ready(shipmentId))).Status);
        }

        // Finance's retries (the invoice's backoff, hurried) keep failing until the erp-failure item opens.
        for (var attempt = 2; attempt <= ErpRetry.FailuresBeforeException; attempt++)
        {
            foreach (var shipmentId in shipments)
            {
                Assert.Equal(InvoiceStatus.Failed, (await grains.GetGrain<IInvoiceGrain>(shipmentId).RetryPosting())?.Status);
            }
        }

        foreach (var shipmentId in shipments)
        {
            var failing = await grains.GetGrain<IInvoiceGrain>(shipmentId).GetPosting();
            Assert.Equal((ErpRetry.FailuresBeforeException, ExceptionQueue.ErpFailure, true), (failing?.FailedAttempts, failing?.ErpFailure?.Queue, failing?.ErpFailure?.IsOpen));
        }

        Assert.Equal(0, erp.Created);
        erp.Outage = null;

        foreach (var shipmentId in shipments)
        {
            var invoice = grains.GetGrain<IInvoiceGrain>(shipmentId);
            var posted = await invoice.RetryPosting();
            Assert.Equal(InvoiceStatus.Posted, posted?.Status);
            Assert.Equal(erp.DocumentOf(posted!.InvoiceNumber), posted.ErpDocumentNumber);
            Assert.False((await invoice.GetPosting())?.ErpFailure?.IsOpen);
        }

        // Told again (a journal redelivery, a late reminder), a posted invoice writes nothing more.
        var writes = erp.Writes;
        await Task.WhenAll(shipments.Select(shipmentId => grains.GetGrain<IInvoiceGrain>(shipmentId).Open(Ready(shipmentId))));
        Assert.Equal((shipments.Length, writes), (erp.Created, erp.Writes));
    }

    private static BillingReady Ready(string shipmentId) => new(
        $"{shipmentId}/billing-ready",
        shipmentId,
        new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero),
        "C-OUTAGE",
        "USD",
        [
            new Charge($"{shipmentId}-LH", ChargeType.Linehaul, new Money(1_200m, "USD"), ChargeSource.Rating, "RATE-1"),
            new Charge($"{shipmentId}-FS", ChargeType.FuelSurcharge, new Money(95.50m, "USD"), ChargeSource.CarrierInvoice, "210-1"),
        ]);

    /// <summary>The embedded API and silo on free ports, with the ERP settings given.</summary>
    private sealed class RemoteErpApiFactory(Dictionary<string, string?> erpSettings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Orleans:SiloPort", LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:ClusterId", $"erp-tests-{Guid.NewGuid():N}");
            builder.UseSetting("Auth:BootstrapKey", TestKeys.Admin);
            foreach (var (key, value) in erpSettings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
