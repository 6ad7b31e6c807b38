using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>
/// Adjustments through the API (issue 8, point 2): a charge after the invoice is billed by a supplementary invoice, a void
/// after it by a credit note, both posted once and counted in the customer's receivables; a void before the invoice
/// unblocks readiness; an adjustment of a held invoice waits for it.
/// </summary>
public sealed class AdjustmentApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task A_late_charge_and_a_void_after_the_invoice_post_a_supplementary_invoice_and_a_credit_note()
    {
        await InvoicedAsync("CUST-ADJ-1", "SHP-ADJ-1");

        await ChargeAsync("SHP-ADJ-1", "C-DET", "DETENTION", 75.5m, HttpStatusCode.Created);
        await ChargeAsync("SHP-ADJ-1", "C-DET", "DETENTION", 75.5m, HttpStatusCode.OK);
        using (var voided = await VoidAsync("SHP-ADJ-1", "C-FS", new { reason = "Fuel surcharge rated twice" }))
        {
            Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
            var shipment = (await voided.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(["C-DET", "C-LH"], shipment["charges"]!.AsArray().Select(charge => (string?)charge!["chargeId"]).Order());
            Assert.Equal("Fuel surcharge rated twice", (string?)shipment["voidedCharges"]![0]!["reason"]);
            Assert.Equal(["INV-SHP-ADJ-1~A1", "INV-SHP-ADJ-1~A2"], shipment["adjustmentNumbers"]!.AsArray().Select(number => (string?)number));
        }

        var documents = await Eventually.Succeeds(
            async () => await GetAsync("/api/v1/shipments/SHP-ADJ-1/invoices") is var all
                && all["invoices"]!.AsArray() is { Count: 3 } list && list.All(invoice => (string?)invoice!["status"] == "Posted")
                    ? list
                    : throw new InvalidOperationException($"not all posted: {all.ToJsonString()}"),
            Deadline,
            "the invoice and both adjustments posted");
        Assert.Equal(
            [("INV-SHP-ADJ-1", "Invoice", 1290m), ("INV-SHP-ADJ-1~A1", "SupplementaryInvoice", 75.5m), ("INV-SHP-ADJ-1~A2", "CreditNote", -90m)],
            documents.Select(invoice => ((string)invoice!["invoiceNumber"]!, (string)invoice["kind"]!, (decimal)invoice["total"]!["amount"]!)));
        Assert.All(documents.Skip(1), adjustment => Assert.Equal("INV-SHP-ADJ-1", (string?)adjustment!["originalInvoiceNumber"]));
        Assert.Equal(3, documents.Select(invoice => (string?)invoice!["erpDocumentNumber"]).Distinct().Count());

        var byNumber = await GetAsync("/api/v1/invoices/INV-SHP-ADJ-1~A2");
        Assert.Equal(-90m, (decimal)byNumber["lines"]![0]!["amount"]!["amount"]!);
        var profile = await GetAsync("/api/v1/customers/CUST-ADJ-1");
        Assert.Equal(1290m + 75.5m - 90m, (decimal)profile["openReceivables"]!["amount"]!);
    }

    [Fact]
    public async Task A_void_before_the_invoice_takes_a_wrong_currency_charge_off_and_lets_the_invoice_follow()
    {
        await BookAsync("CUST-ADJ-2", "SHP-ADJ-2");
        await ChargeAsync("SHP-ADJ-2", "C-LH", "LINEHAUL", 1200m, HttpStatusCode.Created);
        await ChargeAsync("SHP-ADJ-2", "C-FS-CAD", "FUEL_SURCHARGE", 90m, HttpStatusCode.Created, "CAD");
        await ProofOfDeliveryAsync("SHP-ADJ-2");
        Assert.Equal("AwaitingCharges", (string?)(await GetAsync("/api/v1/shipments/SHP-ADJ-2"))["billingStatus"]);

        using var voided = await VoidAsync("SHP-ADJ-2", "C-FS-CAD", new
        {
            reason = "Rated in the wrong currency",
            replacement = new { chargeId = "C-FS", type = "FUEL_SURCHARGE", amount = new { amount = 90m, currency = "USD" }, source = "Manual" },
        });

        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        var invoice = await Eventually.Succeeds(
            async () => await GetAsync("/api/v1/shipments/SHP-ADJ-2/invoices") is var all && (string?)all["invoices"]![0]!["status"] == "Posted"
                ? all["invoices"]!.AsArray()
                : throw new InvalidOperationException(all.ToJsonString()),
            Deadline,
            "the invoice posted once the bad charge was voided");
        var single = Assert.Single(invoice);
        Assert.Equal(["C-FS", "C-LH"], single!["lines"]!.AsArray().Select(line => (string?)line!["chargeId"]).Order());
    }

    [Fact]
    public async Task A_supplementary_invoice_of_a_held_invoice_waits_for_it_and_posts_after_it()
    {
        await BookAsync("CUST-ADJ-3", "SHP-ADJ-3");
        using (var hold = await http.PostAsJsonAsync(new Uri("/api/v1/customers/CUST-ADJ-3/credit-hold", UriKind.Relative), new { reason = "Disputed" }))
        {
            Assert.Equal(HttpStatusCode.OK, hold.StatusCode);
        }

        await ChargeAsync("SHP-ADJ-3", "C-LH", "LINEHAUL", 1200m, HttpStatusCode.Created);
        await ChargeAsync("SHP-ADJ-3", "C-FS", "FUEL_SURCHARGE", 90m, HttpStatusCode.Created);
        await ProofOfDeliveryAsync("SHP-ADJ-3");
        await Eventually.Holds(
            async () => (string?)(await GetAsync("/api/v1/shipments/SHP-ADJ-3/invoice"))["status"] == "OnHold", Deadline, "the invoice held");
        await ChargeAsync("SHP-ADJ-3", "C-DET", "DETENTION", 40m, HttpStatusCode.Created);
        var draft = await Eventually.Succeeds(
            async () => await GetAsync("/api/v1/shipments/SHP-ADJ-3/invoices") is var all && all["invoices"]!.AsArray() is { Count: 2 } list
                ? list[1]!
                : throw new InvalidOperationException(all.ToJsonString()),
            Deadline,
            "the supplementary invoice opened");
        Assert.Equal("Draft", (string?)draft["status"]);

        using (var release = await http.DeleteAsync(new Uri("/api/v1/customers/CUST-ADJ-3/credit-hold", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        }

        var posted = await Eventually.Succeeds(
            async () => await GetAsync("/api/v1/shipments/SHP-ADJ-3/invoices") is var all
                && all["invoices"]!.AsArray() is var list && list.All(invoice => (string?)invoice!["status"] == "Posted")
                    ? list
                    : throw new InvalidOperationException(all.ToJsonString()),
            Deadline,
            "both posted after the release");
        Assert.True((DateTimeOffset)posted[0]!["postedAt"]! <= (DateTimeOffset)posted[1]!["postedAt"]!);
        Assert.Equal(1330m, (decimal)(await GetAsync("/api/v1/customers/CUST-ADJ-3"))["openReceivables"]!["amount"]!);
    }

    [Fact]
    public async Task Bad_voids_are_problem_details_and_change_nothing()
    {
        await InvoicedAsync("CUST-ADJ-4", "SHP-ADJ-4");
        var before = await GetAsync("/api/v1/shipments/SHP-ADJ-4");

        using var noReason = await VoidAsync("SHP-ADJ-4", "C-LH", new { reason = "" });
        using var unknown = await VoidAsync("SHP-ADJ-4", "NO-SUCH-CHARGE", new { reason = "Wrong" });
        using var noShipment = await VoidAsync("NO-SUCH-SHIPMENT", "C-LH", new { reason = "Wrong" });
        using var takenId = await VoidAsync("SHP-ADJ-4", "C-LH", new
        {
            reason = "Re-rated",
            replacement = new { chargeId = "C-FS", type = "LINEHAUL", amount = new { amount = 1000m, currency = "USD" }, source = "Rating" },
        });
        using var foreign = await VoidAsync("SHP-ADJ-4", "C-LH", new
        {
            reason = "Re-rated",
            replacement = new { chargeId = "C-LH-2", type = "LINEHAUL", amount = new { amount = 1000m, currency = "CAD" }, source = "Rating" },
        });

        Assert.Equal(
            [HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.Conflict, HttpStatusCode.Conflict],
            new[] { noReason, unknown, noShipment, takenId, foreign }.Select(response => response.StatusCode));
        Assert.All(
            new[] { noReason, unknown, noShipment, takenId, foreign },
            response => Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType));
        Assert.Equal(before.ToJsonString(), (await GetAsync("/api/v1/shipments/SHP-ADJ-4")).ToJsonString());
    }

    private async Task InvoicedAsync(string customerId, string shipmentId)
    {
        await BookAsync(customerId, shipmentId);
        await ChargeAsync(shipmentId, "C-LH", "LINEHAUL", 1200m, HttpStatusCode.Created);
        await ChargeAsync(shipmentId, "C-FS", "FUEL_SURCHARGE", 90m, HttpStatusCode.Created);
        await ProofOfDeliveryAsync(shipmentId);
        await Eventually.Holds(
            async () => (string?)(await GetAsync($"/api/v1/shipments/{shipmentId}"))["billingStatus"] == "Invoiced"
                && (await http.GetAsync(new Uri($"/api/v1/shipments/{shipmentId}/invoice", UriKind.Relative))).IsSuccessStatusCode,
            Deadline,
            "the shipment invoiced");
    }

    private async Task BookAsync(string customerId, string shipmentId)
    {
        using var customer = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(customerId));
        Assert.Equal(HttpStatusCode.Created, customer.StatusCode);
        using var booked = await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipmentId, customerId));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    private async Task ChargeAsync(string shipmentId, string chargeId, string type, decimal amount, HttpStatusCode expected, string currency = "USD")
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/api/v1/shipments/{shipmentId}/charges", UriKind.Relative), new JsonObject
        {
            ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = currency },
            ["source"] = "CarrierInvoice", ["sourceReference"] = "210-ADJ",
        });
        Assert.Equal(expected, response.StatusCode);
    }

    private async Task ProofOfDeliveryAsync(string shipmentId)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/carrier-events", UriKind.Relative), new JsonObject
        {
            ["eventId"] = $"{shipmentId}-POD", ["carrierId"] = "CARR-1", ["shipmentId"] = shipmentId,
            ["milestone"] = "ProofOfDelivery", ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<HttpResponseMessage> VoidAsync(string shipmentId, string chargeId, object body) =>
        http.PostAsJsonAsync(new Uri($"/api/v1/shipments/{shipmentId}/charges/{chargeId}/void", UriKind.Relative), body);

    private async Task<JsonObject> GetAsync(string path) =>
        (await http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative)))!;
}
