using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Cluster;
using ShipmentGrid.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Erp;

/// <summary>
/// The remote ERP in PostgreSQL mode with real processes (issue 8, points 5 and 7): two silos post a burst of invoices to
/// an ERP that is down, with the grid's backoff shortened by configuration (<c>Billing:*</c>); one silo is killed with
/// SIGKILL during the outage. When the ERP is back every invoice posts exactly once under its number, the erp-failure
/// items the outage opened resolve themselves, the cluster-wide throttle never lets more calls through at once than its
/// budget, and a full restart changes none of it.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class RemoteErpProcessTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Shipments = 16;
    private const int ConcurrentCalls = 2;
    private const string Customer = "CUST-REMOTE";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_erp_outage_during_a_burst_and_a_silo_kill_ends_with_each_invoice_posted_once_and_the_failure_items_cleared()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s  {what}");
        await using var erp = await FakeErp.StartAsync();
        erp.Latency = TimeSpan.FromMilliseconds(20);
        var settings = ErpSettings.For(erp, ("Erp:Throttle:MaxConcurrentCalls", ConcurrentCalls.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value!);
        settings["Billing__ReminderPeriod"] = "00:00:02";
        settings["Billing__RetryFirstDelay"] = "00:00:01";
        settings["Billing__RetryLongestDelay"] = "00:00:02";
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("remote_erp"));
        var processes = new List<GridProcess>();
        async Task<GridProcess> Started(Task<GridProcess> starting)
        {
            var process = await starting;
            processes.Add(process);
            return process;
        }

        try
        {
            var first = await Started(cluster.StartSiloAsync("silo-1", settings: settings));
            await Started(cluster.StartSiloAsync("silo-2", settings: settings));
            var api = await Started(cluster.StartApiAsync());
            using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(30));
            await SendAsync(http, "api/v1/customers", new JsonObject
            {
                ["customerId"] = Customer, ["name"] = "Remote Co", ["billingCurrency"] = "USD", ["creditLimit"] = 10_000_000m, ["paymentTermsDays"] = 30,
            });
            Phase("two silos and the API ready");
            var ids = Enumerable.Range(0, Shipments).Select(index => $"SHP-REMOTE-{index:D2}").ToArray();

            // The burst lands while the ERP answers 503 to everything.
            erp.Outage = 503;
            foreach (var id in ids)
            {
                await SendAsync(http, "api/v1/shipments", System.Text.Json.JsonSerializer.SerializeToNode(SampleBookings.Booking(id, Customer), System.Text.Json.JsonSerializerOptions.Web)!);
                await SendAsync(http, $"api/v1/shipments/{id}/charges", Charge("LH", "LINEHAUL", 1000m));
                await SendAsync(http, $"api/v1/shipments/{id}/charges", Charge("FS", "FUEL_SURCHARGE", 90m));
                await SendAsync(http, "api/v1/carrier-events", new JsonObject
                {
                    ["eventId"] = $"{id}-POD", ["carrierId"] = "CARR-1", ["shipmentId"] = id, ["milestone"] = "ProofOfDelivery",
                    ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-2),
                });
            }

            Phase("burst sent during the outage");

            // Repeated failures open erp-failure items; then one silo dies mid-outage.
            await Eventually.Holds(
                async () => (await OpenErpFailuresAsync(http)).Count == Shipments, Deadline, "an erp-failure item per invoice during the outage");
            Phase("erp-failure items open");
            await first.KillAsync();
            Assert.Equal(0, erp.Created);

            erp.Outage = null;
            var posted = await Eventually.Succeeds(
                async () =>
                {
                    var invoices = await Task.WhenAll(ids.Select(id => http.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/shipments/{id}/invoice", UriKind.Relative))));
                    return invoices.All(invoice => (string?)invoice!["status"] == "Posted")
                        ? invoices
                        : throw new InvalidOperationException($"{invoices.Count(invoice => (string?)invoice!["status"] != "Posted")} not posted yet");
                },
                Deadline,
                "every invoice posted once the ERP is back");
            Phase("every invoice posted");
            await Eventually.Holds(async () => (await OpenErpFailuresAsync(http)).Count == 0, Deadline, "the erp-failure items resolved by the postings");

            Phase("erp-failure items resolved");

            // A full, clean restart of what runs: SIGTERM, each must stop, then two silos and an API again.
            foreach (var running in processes.Where(process => !process.HasExited))
            {
                await running.TerminateAsync();
                Assert.Equal(0, await running.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }

            await Started(cluster.StartSiloAsync("silo-3", settings: settings));
            await Started(cluster.StartSiloAsync("silo-4", settings: settings));
            api = await Started(cluster.StartApiAsync(name: "api-2"));
            Phase("restarted");
            using var after = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(30));
            foreach (var invoice in posted)
            {
                var number = (string)invoice!["invoiceNumber"]!;
                var again = await after.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/invoices/{number}", UriKind.Relative));
                Assert.Equal(("Posted", erp.DocumentOf(number)), ((string?)again!["status"], (string?)again["erpDocumentNumber"]));
            }

            Assert.Equal(Shipments, erp.Created);
            Assert.InRange(erp.MaxInFlight, 1, ConcurrentCalls);
            Assert.Equal(Shipments, (await after.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/exceptions?queue=erp-failure&status=all&limit=100", UriKind.Relative)))!["items"]!.AsArray().Count);
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static async Task<JsonArray> OpenErpFailuresAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonObject>(new Uri("api/v1/exceptions?queue=erp-failure&limit=100", UriKind.Relative)))!["items"]!.AsArray();

    private static async Task SendAsync(HttpClient http, string path, JsonNode body)
    {
        using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static JsonObject Charge(string chargeId, string type, decimal amount) => new()
    {
        ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" }, ["source"] = "Rating",
    };
}
