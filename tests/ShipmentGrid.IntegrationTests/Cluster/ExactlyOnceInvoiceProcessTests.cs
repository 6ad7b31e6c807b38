using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.Customers;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// DOMAIN: "exactly one invoice per shipment, whatever the retries, duplicates, restarts or silo failures",
/// proved end to end in PostgreSQL mode. Two silo processes and the API; shipments get their milestones and
/// required charges over HTTP and over the durable stream, duplicated, out of order and across routes, and a
/// silo is killed with SIGKILL between the first and the second half of the flow. Senders retry until the
/// grid acknowledges. The ERP ledger tables are then read directly: one header, one receivable per invoice.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class ExactlyOnceInvoiceProcessTests(PostgresServer postgres)
{
    private const int Shipments = 10;
    private const string CustomerId = "CUST-ONCE";
    private const string Carrier = "CARR-1";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Every_shipment_posts_exactly_one_invoice_and_one_receivable_when_a_silo_is_killed_mid_flow()
    {
        var connectionString = await postgres.CreateDatabaseAsync("exactly_once");
        var cluster = await ClusterNode.MigrateAsync(connectionString);
        await using var first = await cluster.StartSiloAsync("silo-1");
        await using var second = await cluster.StartSiloAsync("silo-2");
        await using var api = await cluster.StartApiAsync();
        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(15));

        // A limit far above the total, so a credit hold cannot stand in for (or hide) a missing posting.
        await SendUntilAcknowledgedAsync(http, "api/v1/customers",
            new CustomerRegistration(CustomerId, "Once Logistics", "USD", CreditLimit: 10_000_000m, PaymentTermsDays: 30));
        var ids = Enumerable.Range(0, Shipments).Select(i => $"SHP-ONCE-{i:D2}").ToArray();
        foreach (var id in ids)
        {
            await SendUntilAcknowledgedAsync(http, "api/v1/shipments", SampleBookings.Booking(id, CustomerId, Carrier));
        }

        var start = DateTimeOffset.UtcNow.AddDays(-2);

        // First half: pickups, and for every third shipment proof of delivery before anything else (out of order);
        // every linehaul, twice for even shipments. Even shipments go over HTTP, odd ones over the durable stream.
        await SendEventsAsync(http, ids, i => i % 3 == 0 ? ["ProofOfDelivery", "PickedUp"] : ["PickedUp"], start);
        for (var i = 0; i < Shipments; i++)
        {
            await SendChargeAsync(http, ids[i], Linehaul(i), times: i % 2 == 0 ? 2 : 1);
        }

        // SIGKILL mid-flow: the silo may hold activations of shipments, invoices, the customer, and stream queues.
        await first.KillAsync();
        var replacement = cluster.StartSiloAsync("silo-3");

        // Second half: for odd shipments the fuel surcharge comes before delivery; every milestone batch is sent
        // twice for every fourth shipment; every fifth also gets its delivery over the other route.
        for (var i = 1; i < Shipments; i += 2)
        {
            await SendChargeAsync(http, ids[i], Fuel(i), times: 1);
        }

        await SendEventsAsync(http, ids, i => ["Delivered", "ProofOfDelivery"], start);
        await SendEventsAsync(http, ids, i => i % 4 == 0 ? ["Delivered", "ProofOfDelivery", "PickedUp"] : [], start);
        await SendEventsAsync(http, ids, i => i % 5 == 0 ? ["Delivered"] : [], start, crossRoute: true);
        for (var i = 0; i < Shipments; i += 2)
        {
            await SendChargeAsync(http, ids[i], Fuel(i), times: i % 4 == 0 ? 2 : 1);
        }

        await using var third = await replacement;

        var invoices = new Dictionary<string, (string Number, decimal Total)>(StringComparer.Ordinal);
        for (var i = 0; i < Shipments; i++)
        {
            var id = ids[i];
            var invoice = await Eventually.Succeeds(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri($"api/v1/shipments/{id}/invoice", UriKind.Relative));
                    var view = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
                    return (string?)view?["status"] == "Posted"
                        ? view!
                        : throw new InvalidOperationException(
                            $"{id}'s invoice is {(int)response.StatusCode} {view?["status"]}; the shipment: "
                            + await http.GetStringAsync(new Uri($"api/v1/shipments/{id}", UriKind.Relative)));
                },
                Deadline,
                $"{id}'s invoice Posted");
            var total = (decimal)invoice["total"]!["amount"]!;
            Assert.Equal(Linehaul(i) + Fuel(i), total);
            Assert.Equal(2, invoice["lines"]!.AsArray().Count);
            invoices.Add(ids[i], ((string)invoice["invoiceNumber"]!, total));
        }

        var ledger = new PostgresSettings(connectionString, PostgresSettings.DefaultSchema).ProviderConnectionString;
        var headers = await Sql.QueryAsync(
            ledger,
            "SELECT shipment_id, invoice_number, total, (SELECT count(*)::int FROM erp_invoice_line l WHERE l.invoice_number = i.invoice_number) FROM erp_invoice i WHERE customer_id = @customer",
            reader => (Shipment: reader.GetString(0), Number: reader.GetString(1), Total: reader.GetDecimal(2), Lines: reader.GetInt32(3)),
            ("customer", CustomerId));
        var entries = await Sql.QueryAsync(
            ledger,
            "SELECT reference, amount FROM erp_receivable_entry WHERE customer_id = @customer AND kind = 'invoice'",
            reader => (Reference: reader.GetString(0), Amount: reader.GetDecimal(1)),
            ("customer", CustomerId));

        // Exactly one header and one receivable per shipment, under the number the grid shows, for the invoice's total.
        Assert.Equal(
            invoices.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => (pair.Key, pair.Value.Number, pair.Value.Total, 2)),
            headers.OrderBy(row => row.Shipment, StringComparer.Ordinal).Select(row => (row.Shipment, row.Number, row.Total, row.Lines)));
        Assert.Equal(
            invoices.Values.Select(invoice => (invoice.Number, invoice.Total)).Order(),
            entries.Select(entry => (entry.Reference, entry.Amount)).Order());

        // The customer counts each posted invoice once: the receivable follows the posting, so wait for it, and an
        // invoice counted twice keeps the balance above the sum until the deadline.
        var expected = invoices.Values.Sum(invoice => invoice.Total);
        await Eventually.Holds(
            async () => await http.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/customers/{CustomerId}", UriKind.Relative)) is { } customer
                && (decimal)customer["openReceivables"]!["amount"]! == expected,
            Deadline,
            $"{CustomerId}'s open receivables equal to {expected.ToString(CultureInfo.InvariantCulture)}");
        Assert.False(second.HasExited, second.Output);
    }

    private static decimal Linehaul(int shipment) => 1000m + shipment + 0.25m;

    private static decimal Fuel(int shipment) => 100m + (shipment * 3) + 0.10m;

    /// <summary>
    /// One batch per route with the named milestones of every shipment; a shipment's event id is fixed per
    /// milestone, so a resend is a duplicate. <paramref name="crossRoute"/> sends each over the other route.
    /// </summary>
    private static async Task SendEventsAsync(
        HttpClient http, string[] ids, Func<int, string[]> milestones, DateTimeOffset start, bool crossRoute = false)
    {
        var direct = new JsonArray();
        var streamed = new JsonArray();
        for (var i = 0; i < ids.Length; i++)
        {
            foreach (var milestone in milestones(i))
            {
                ((i % 2 == 0) != crossRoute ? direct : streamed).Add(Event(ids[i], milestone, start));
            }
        }

        if (direct.Count > 0)
        {
            await SendUntilAcknowledgedAsync(http, "api/v1/carrier-events", direct);
        }

        if (streamed.Count > 0)
        {
            await SendUntilAcknowledgedAsync(http, "api/v1/carrier-events/stream", streamed);
        }
    }

    private static JsonObject Event(string shipmentId, string milestone, DateTimeOffset start)
    {
        var hours = milestone switch
        {
            "PickedUp" => 0,
            "Delivered" => 20,
            "ProofOfDelivery" => 24,
            _ => throw new ArgumentOutOfRangeException(nameof(milestone), milestone, "Not a milestone this test sends."),
        };
        return new JsonObject
        {
            ["eventId"] = $"{shipmentId}-{milestone}",
            ["carrierId"] = Carrier,
            ["shipmentId"] = shipmentId,
            ["milestone"] = milestone,
            ["occurredAt"] = start.AddHours(hours),
        };
    }

    private static async Task SendChargeAsync(HttpClient http, string shipmentId, decimal amount, int times)
    {
        var linehaul = amount >= 1000m;
        var charge = new JsonObject
        {
            ["chargeId"] = $"{(linehaul ? "LH" : "FS")}-{shipmentId}",
            ["type"] = linehaul ? "Linehaul" : "FuelSurcharge",
            ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
            ["source"] = linehaul ? "Rating" : "CarrierInvoice",
            ["sourceReference"] = $"REF-{shipmentId}",
        };
        for (var sent = 0; sent < times; sent++)
        {
            await SendUntilAcknowledgedAsync(http, $"api/v1/shipments/{shipmentId}/charges", charge);
        }
    }

    /// <summary>
    /// A partner's sender: resend until the grid acknowledges (2xx), riding out the failover. A refusal (4xx) is
    /// final, so it fails the test at once; and so does a carrier event the grid answered as rejected.
    /// </summary>
    private static Task SendUntilAcknowledgedAsync<T>(HttpClient http, string path, T body) =>
        Eventually.Holds(
            async () =>
            {
                using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    throw new Xunit.Sdk.XunitException($"POST {path} refused with {response.StatusCode}: {text}");
                }

                if (response.StatusCode == HttpStatusCode.OK && path == "api/v1/carrier-events"
                    && JsonNode.Parse(text)!["results"]!.AsArray().Any(result => (string?)result!["outcome"] == "Rejected"))
                {
                    throw new Xunit.Sdk.XunitException($"POST {path} rejected an event: {text}");
                }

                return response.IsSuccessStatusCode;
            },
            Deadline,
            $"POST {path} acknowledged");
}
