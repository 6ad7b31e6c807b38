using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Billing;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Api;

public sealed class BillingApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient http = factory.CreateClient();

    [Fact]
    public async Task An_opened_invoice_reads_back_by_number_and_by_shipment()
    {
        await RegisterCustomerAsync("CUST-INV");
        var opened = await OpenInvoiceAsync("SHP-INV-1", "CUST-INV", 1_200m);

        var byNumber = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/invoices/INV-SHP-INV-1", UriKind.Relative));
        var byShipment = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-INV-1/invoice", UriKind.Relative));

        Assert.Equal(InvoiceStatus.Posted, opened.Status);
        foreach (var invoice in new[] { byNumber, byShipment })
        {
            Assert.Equal("INV-SHP-INV-1", (string?)invoice?["invoiceNumber"]);
            Assert.Equal("Posted", (string?)invoice?["status"]);
            Assert.Equal(opened.ErpDocumentNumber, (string?)invoice?["erpDocumentNumber"]);
            Assert.Equal(1_290m, (decimal?)invoice?["total"]?["amount"]);
            Assert.Equal(2, invoice?["lines"]?.AsArray().Count);
        }
    }

    [Theory]
    [InlineData("/api/v1/invoices/INV-NO-SUCH-SHIPMENT")]
    [InlineData("/api/v1/invoices/NOT-AN-INVOICE-NUMBER")]
    [InlineData("/api/v1/shipments/NO-SUCH-SHIPMENT/invoice")]
    public async Task An_unknown_invoice_is_404_problem_details(string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_credit_hold_holds_the_invoice_and_lifting_it_posts_it()
    {
        await RegisterCustomerAsync("CUST-HOLD");
        using var hold = await http.PostAsJsonAsync(Customer("CUST-HOLD", "credit-hold"), new { reason = "Disputed invoices" });
        Assert.Equal(HttpStatusCode.OK, hold.StatusCode);
        var held = await hold.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal((true, "Disputed invoices"), ((bool?)held?["creditHold"], (string?)held?["creditHoldReason"]));

        Assert.Equal(InvoiceStatus.OnHold, (await OpenInvoiceAsync("SHP-HOLD-1", "CUST-HOLD", 500m)).Status);

        using var release = await http.DeleteAsync(Customer("CUST-HOLD", "credit-hold"));
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        var released = await release.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(false, (bool?)released?["creditHold"]);

        // The release posts after the answer, in the customer's own steps.
        await Eventually.Holds(
            async () => (string?)(await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/SHP-HOLD-1/invoice", UriKind.Relative)))?["status"] == "Posted",
            TimeSpan.FromSeconds(10),
            "the released invoice to post");
        var profile = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/customers/CUST-HOLD", UriKind.Relative));
        Assert.Equal(590m, (decimal?)profile?["openReceivables"]?["amount"]);
    }

    [Fact]
    public async Task A_higher_limit_and_a_payment_change_the_customers_credit()
    {
        await RegisterCustomerAsync("CUST-LIMIT");
        Assert.Equal(InvoiceStatus.Posted, (await OpenInvoiceAsync("SHP-LIMIT-1", "CUST-LIMIT", 9_000m)).Status);
        Assert.Equal(InvoiceStatus.OnHold, (await OpenInvoiceAsync("SHP-LIMIT-2", "CUST-LIMIT", 2_000m)).Status);

        using var limit = await http.PutAsJsonAsync(Customer("CUST-LIMIT", "credit-limit"), new { amount = 12_000m });
        Assert.Equal(HttpStatusCode.OK, limit.StatusCode);
        Assert.Equal(12_000m, (decimal?)(await limit.Content.ReadFromJsonAsync<JsonObject>())?["creditLimit"]?["amount"]);
        await Eventually.Holds(
            async () => (decimal?)(await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/customers/CUST-LIMIT", UriKind.Relative)))?["openReceivables"]?["amount"] == 11_180m,
            TimeSpan.FromSeconds(10),
            "the released invoice in receivables");

        using var payment = await http.PostAsJsonAsync(Customer("CUST-LIMIT", "payments"), new { paymentId = "PAY-77", amount = 1_180m });
        using var repeated = await http.PostAsJsonAsync(Customer("CUST-LIMIT", "payments"), new { paymentId = "PAY-77", amount = 1_180m });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (payment.StatusCode, repeated.StatusCode));
        Assert.Equal(10_000m, (decimal?)(await repeated.Content.ReadFromJsonAsync<JsonObject>())?["openReceivables"]?["amount"]);
    }

    [Fact]
    public async Task A_payment_id_sent_again_with_another_amount_is_409_problem_details_and_changes_nothing()
    {
        await RegisterCustomerAsync("CUST-REUSE");
        using var payment = await http.PostAsJsonAsync(Customer("CUST-REUSE", "payments"), new { paymentId = "PAY-88", amount = 250m });
        Assert.Equal(HttpStatusCode.OK, payment.StatusCode);

        using var reused = await http.PostAsJsonAsync(Customer("CUST-REUSE", "payments"), new { paymentId = "PAY-88", amount = 300m });
        using var repeated = await http.PostAsJsonAsync(Customer("CUST-REUSE", "payments"), new { paymentId = "PAY-88", amount = 250.00m });

        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);
        var problem = await reused.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(("https://shipment-grid.dev/problems/payment-id-reused", 409), ((string?)problem?["type"], (int?)problem?["status"]));
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(-250m, (decimal?)(await repeated.Content.ReadFromJsonAsync<JsonObject>())?["openReceivables"]?["amount"]);
    }

    [Fact]
    public async Task Invalid_credit_commands_get_field_errors_and_change_nothing()
    {
        await RegisterCustomerAsync("CUST-BAD");

        await AssertInvalidAsync(await http.PostAsJsonAsync(Customer("CUST-BAD", "credit-hold"), new { reason = "" }), "reason");
        await AssertInvalidAsync(await http.PutAsJsonAsync(Customer("CUST-BAD", "credit-limit"), new { amount = -1m }), "amount");
        await AssertInvalidAsync(await http.PutAsJsonAsync(Customer("CUST-BAD", "credit-limit"), new { }), "amount");
        await AssertInvalidAsync(await http.PostAsJsonAsync(Customer("CUST-BAD", "payments"), new { paymentId = "bad id!", amount = 0m }), "paymentId", "amount");

        var profile = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/customers/CUST-BAD", UriKind.Relative));
        Assert.Equal(false, (bool?)profile?["creditHold"]);
        Assert.Equal(10_000m, (decimal?)profile?["creditLimit"]?["amount"]);
        Assert.Equal(0m, (decimal?)profile?["openReceivables"]?["amount"]);
    }

    [Fact]
    public async Task Credit_commands_for_an_unknown_customer_are_404_problem_details()
    {
        using var response = await http.PostAsJsonAsync(Customer("NOBODY", "credit-hold"), new { reason = "Disputed invoices" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static Uri Customer(string customerId, string what) => new($"/api/v1/customers/{customerId}/{what}", UriKind.Relative);

    private static async Task AssertInvalidAsync(HttpResponseMessage response, params string[] fields)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var errors = problem.RootElement.GetProperty("errors");
            Assert.All(fields, field => Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}"));
        }
    }

    private async Task RegisterCustomerAsync(string customerId)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(customerId));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Opens an invoice the way billing will once BillingReady is delivered: straight through the grain.</summary>
    private Task<InvoiceView> OpenInvoiceAsync(string shipmentId, string customerId, decimal linehaul) =>
        factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IInvoiceGrain>(shipmentId).Open(new BillingReady(
            $"{shipmentId}/billing-ready",
            shipmentId,
            DateTimeOffset.UtcNow,
            customerId,
            "USD",
            [
                new Charge($"{shipmentId}-LH", ChargeType.Linehaul, new Money(linehaul, "USD"), ChargeSource.Rating, "RATE-1"),
                new Charge($"{shipmentId}-FS", ChargeType.FuelSurcharge, new Money(90m, "USD"), ChargeSource.CarrierInvoice, "210-1"),
            ]));
}
