using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// Adjustments in PostgreSQL mode with real processes (issue 8, point 2): invoiced shipments get late charges, voids and
/// replacements while a silo is killed with SIGKILL, then the whole cluster restarts and every command is sent again.
/// Afterwards each shipment shows its invoice and exactly the supplementary invoices and credit notes it should, each
/// posted once: one ERP header of the right kind and one receivable per document, the customer's receivables their sum.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class AdjustmentProcessTests(PostgresServer postgres)
{
    private const int Shipments = 12;
    private const string Customer = "CUST-ADJ-PG";
    private static readonly TimeSpan SendDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Late_charges_and_voids_across_a_silo_kill_and_a_restart_post_each_adjustment_exactly_once()
    {
        await using var cluster = await FaultCluster.StartAsync(postgres, "adjustments", silos: 2);
        await cluster.SendUntilAcknowledgedAsync("api/v1/customers", Json(SampleBookings.Customer(Customer) with { CreditLimit = 10_000_000m }), SendDeadline);
        var plan = Enumerable.Range(0, Shipments).Select(index => new Planned(index)).ToArray();
        foreach (var shipment in plan)
        {
            await cluster.SendUntilAcknowledgedAsync("api/v1/shipments", Json(SampleBookings.Booking(shipment.Id, Customer)), SendDeadline);
            await cluster.SendUntilAcknowledgedAsync($"api/v1/shipments/{shipment.Id}/charges", Charge("LH", "LINEHAUL", shipment.Linehaul), SendDeadline);
            await cluster.SendUntilAcknowledgedAsync($"api/v1/shipments/{shipment.Id}/charges", Charge("FS", "FUEL_SURCHARGE", 90m), SendDeadline);
            await cluster.SendUntilAcknowledgedAsync("api/v1/carrier-events", ProofOfDelivery(shipment.Id), SendDeadline);
        }

        await SettleAsync(cluster, plan, adjusted: false);

        // Half the adjustments, a silo killed, the other half; then a full restart and every command again (duplicates).
        foreach (var shipment in plan.Take(Shipments / 2))
        {
            await SendAdjustmentsAsync(cluster, shipment);
        }

        await cluster.KillSiloAsync(0);
        foreach (var shipment in plan.Skip(Shipments / 2))
        {
            await SendAdjustmentsAsync(cluster, shipment);
        }

        await cluster.RestartAsync();
        foreach (var shipment in plan)
        {
            await SendAdjustmentsAsync(cluster, shipment);
        }

        var documents = await SettleAsync(cluster, plan, adjusted: true);
        var failures = new ConcurrentQueue<string>();
        await AssertLedgerAsync(cluster, documents, failures);
        var profile = await cluster.ReadOkAsync($"api/v1/customers/{Customer}");
        var expectedReceivables = documents.Values.SelectMany(list => list).Sum(document => document.Total);
        if ((decimal)profile["openReceivables"]!["amount"]! != expectedReceivables)
        {
            failures.Enqueue($"open receivables {profile["openReceivables"]}, documents total {expectedReceivables.ToString(CultureInfo.InvariantCulture)}");
        }

        foreach (var error in cluster.ServerErrors)
        {
            failures.Enqueue($"server error: {error}");
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failures:\n{string.Join('\n', failures.Take(40))}\n{cluster.Logs()}");
    }

    /// <summary>Every shipment: a detention after the invoice; every second, the fuel surcharge voided; every third, the linehaul re-rated.</summary>
    private static async Task SendAdjustmentsAsync(FaultCluster cluster, Planned shipment)
    {
        await cluster.SendUntilAcknowledgedAsync($"api/v1/shipments/{shipment.Id}/charges", Charge("DET", "DETENTION", shipment.Detention), SendDeadline);
        if (shipment.VoidsFuel)
        {
            await cluster.SendUntilAcknowledgedAsync(
                $"api/v1/shipments/{shipment.Id}/charges/FS/void", new JsonObject { ["reason"] = "Fuel surcharge billed twice" }, SendDeadline);
        }

        if (shipment.ReRated is { } rerated)
        {
            await cluster.SendUntilAcknowledgedAsync(
                $"api/v1/shipments/{shipment.Id}/charges/LH/void",
                new JsonObject { ["reason"] = "Re-rated", ["replacement"] = Charge("LH2", "LINEHAUL", rerated) },
                SendDeadline);
        }
    }

    /// <summary>Polls until every shipment's documents are what the plan says and all posted; returns them by shipment.</summary>
    private static async Task<Dictionary<string, List<Document>>> SettleAsync(FaultCluster cluster, Planned[] plan, bool adjusted)
    {
        var settled = new ConcurrentDictionary<string, List<Document>>(StringComparer.Ordinal);
        await Eventually.Succeeds(
            async () =>
            {
                var problems = new List<string>();
                foreach (var shipment in plan.Where(shipment => !settled.ContainsKey(shipment.Id)))
                {
                    var (_, body) = await cluster.ReadAsync($"api/v1/shipments/{shipment.Id}/invoices");
                    var documents = body?["invoices"]?.AsArray()
                        .Select(invoice => new Document(
                            (string)invoice!["invoiceNumber"]!,
                            (string)invoice["kind"]!,
                            (decimal)invoice["total"]!["amount"]!,
                            (string)invoice["status"]!,
                            (string?)invoice["erpDocumentNumber"]))
                        .ToList() ?? [];
                    var expected = shipment.Expected(adjusted);
                    if (documents.Select(document => (document.Number, document.Kind, document.Total)).SequenceEqual(expected)
                        && documents.All(document => document.Status == "Posted"))
                    {
                        settled[shipment.Id] = documents;
                    }
                    else
                    {
                        problems.Add($"{shipment.Id}: [{string.Join(", ", documents)}], expected [{string.Join(", ", expected)}]");
                    }
                }

                return problems.Count == 0 ? true : throw new InvalidOperationException(string.Join('\n', problems.Take(10)));
            },
            SettleDeadline,
            adjusted ? "every adjustment posted" : "every invoice posted");
        return new Dictionary<string, List<Document>>(settled, StringComparer.Ordinal);
    }

    /// <summary>One ERP header per document, of its kind and total and naming the invoice it adjusts; one receivable each; nothing else.</summary>
    private static async Task AssertLedgerAsync(FaultCluster cluster, Dictionary<string, List<Document>> documents, ConcurrentQueue<string> failures)
    {
        var headers = await Sql.QueryAsync(
            cluster.ConnectionString,
            "SELECT invoice_number, kind, total, adjusts_invoice_number, document_number FROM erp_invoice",
            reader => (Number: reader.GetString(0), Kind: reader.GetString(1), Total: reader.GetDecimal(2), Adjusts: reader.IsDBNull(3) ? null : reader.GetString(3), Document: reader.GetString(4)));
        var receivables = await Sql.QueryAsync(
            cluster.ConnectionString,
            "SELECT reference, amount FROM erp_receivable_entry WHERE kind = 'invoice'",
            reader => (Reference: reader.GetString(0), Amount: reader.GetDecimal(1)));
        var all = documents.Values.SelectMany(list => list).ToDictionary(document => document.Number, StringComparer.Ordinal);
        foreach (var document in all.Values)
        {
            var header = headers.Where(row => row.Number == document.Number).ToArray();
            var entries = receivables.Where(row => row.Reference == document.Number).ToArray();
            var kind = document.Kind switch { "SupplementaryInvoice" => "supplementary-invoice", "CreditNote" => "credit-note", _ => "invoice" };
            var original = document.Kind == "Invoice" ? null : document.Number[..document.Number.IndexOf('~', StringComparison.Ordinal)];
            if (header is not [var only] || only.Kind != kind || only.Total != document.Total || only.Adjusts != original || only.Document != document.ErpDocument
                || entries is not [var entry] || entry.Amount != document.Total)
            {
                failures.Enqueue($"{document}: ERP headers [{string.Join(", ", header)}], receivables [{string.Join(", ", entries)}]");
            }
        }

        foreach (var stray in headers.Where(row => !all.ContainsKey(row.Number)))
        {
            failures.Enqueue($"ERP header {stray} for no document the grid shows");
        }

        foreach (var stray in receivables.Where(row => !all.ContainsKey(row.Reference)))
        {
            failures.Enqueue($"receivable {stray} for no document the grid shows");
        }
    }

    private static JsonNode Json<T>(T value) => System.Text.Json.JsonSerializer.SerializeToNode(value, System.Text.Json.JsonSerializerOptions.Web)!;

    private static JsonObject Charge(string suffix, string type, decimal amount) => new JsonObject
    {
        ["chargeId"] = suffix, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" }, ["source"] = "CarrierInvoice",
        ["sourceReference"] = "210-PG",
    };

    private static JsonObject ProofOfDelivery(string shipmentId) => new JsonObject
    {
        ["eventId"] = $"{shipmentId}-POD", ["carrierId"] = "CARR-1", ["shipmentId"] = shipmentId, ["milestone"] = "ProofOfDelivery",
        ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-3),
    };

    private sealed record Document(string Number, string Kind, decimal Total, string Status, string? ErpDocument);

    private sealed record Planned(int Index)
    {
        public string Id => $"SHP-ADJ-PG-{Index:D2}";

        public decimal Linehaul => 1000m + (Index * 10m);

        public decimal Detention => 25m + Index;

        public bool VoidsFuel => Index % 2 == 0;

        public decimal? ReRated => Index % 3 == 0 ? Linehaul + (Index % 2 == 0 ? -100m : 50m) : null;

        /// <summary>The documents in order: number, kind, total. Adjustment numbers follow the order the commands are sent.</summary>
        public IEnumerable<(string Number, string Kind, decimal Total)> Expected(bool adjusted)
        {
            yield return ($"INV-{Id}", "Invoice", Linehaul + 90m);
            if (!adjusted)
            {
                yield break;
            }

            var sequence = 0;
            yield return ($"INV-{Id}~A{++sequence}", "SupplementaryInvoice", Detention);
            if (VoidsFuel)
            {
                yield return ($"INV-{Id}~A{++sequence}", "CreditNote", -90m);
            }

            if (ReRated is { } rerated)
            {
                var difference = rerated - Linehaul;
                yield return ($"INV-{Id}~A{++sequence}", difference > 0 ? "SupplementaryInvoice" : "CreditNote", difference);
            }
        }
    }
}
