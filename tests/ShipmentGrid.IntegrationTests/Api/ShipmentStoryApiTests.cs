using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>
/// A shipment's story gathers what its events made in the read models with the trace of each, and shows a customer all
/// of it but the staff queues.
/// </summary>
public sealed class ShipmentStoryApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task The_story_holds_the_events_with_their_source_and_trace_and_the_exception_items_cases_and_notifications_they_made()
    {
        await PostAsync("/api/v1/customers", SampleBookings.Customer("C-STORY"));
        await PostAsync("/api/v1/shipments", SampleBookings.Booking("S-STORY", "C-STORY", "K-STORY"));
        var at = DateTimeOffset.UtcNow.AddHours(-4);
        await PostAsync("/api/v1/carrier-events/stream", new JsonArray(Event("ST-X", "deliveryException", "Damaged", at)));
        await Eventually.Holds(async () => (await StoryAsync(admin))["steps"]!.AsArray().Count == 2, Deadline, "the stream's event applied");
        await PostAsync("/api/v1/carrier-events", new JsonArray(
            Event("ST-DL", "milestone", "Delivered", at.AddHours(1)), Event("ST-POD", "milestone", "ProofOfDelivery", at.AddHours(2))));

        // Charges are missing: proof of delivery queues billing-incomplete; the exception opened a case. Both via the journal.
        var story = await Eventually.Succeeds(
            async () => await StoryAsync(admin) is { } read && read["exceptions"]!.AsArray().Count == 2 && read["cases"]!.AsArray().Count == 1
                ? read
                : throw new InvalidOperationException("not projected yet"),
            Deadline,
            "the story's exception items and case");

        var steps = story["steps"]!.AsArray();
        Assert.Equal("ShipmentBooked", (string?)steps[0]!["type"]);
        Assert.Null((string?)steps[0]!["source"]);
        Assert.Equal("Stream", (string?)steps.Single(step => (string?)step!["type"] == "ShipmentExceptionOpened")!["source"]);
        Assert.Contains(steps, step => (string?)step!["type"] == "MilestoneRecorded" && (string?)step["source"] == "Api");
        // Each step carries the trace it was recorded under: the milestones the trace of the request that sent them, as
        // the audit log recorded it.
        var sent = Assert.Single((await admin.GetFromJsonAsync<JsonObject>(
            new Uri($"/api/v1/audit?route={Uri.EscapeDataString("/api/v1/carrier-events")}", UriKind.Relative)))!["items"]!.AsArray())!;
        var milestones = steps.Where(step => (string?)step!["type"] == "MilestoneRecorded").Select(step => (string?)step!["traceId"]).ToList();
        Assert.Equal(2, milestones.Count);
        Assert.All(milestones, traceId => Assert.Equal((string?)sent["traceId"], traceId));
        Assert.All(steps, step => Assert.Matches("^[0-9a-f]{32}$", (string?)step!["traceId"]));
        Assert.Equal(
            ["billing-incomplete/shipment/S-STORY", "delivery-exception/shipment/S-STORY/exception/K-STORY:ST-X"],
            story["exceptions"]!.AsArray().Select(item => (string?)item!["exceptionId"]).Order(StringComparer.Ordinal));
        Assert.Equal("DeliveryException", (string?)story["cases"]![0]!["reason"]);
        Assert.Equal(["DeliveryConfirmed", "ExceptionOpened"], story["notifications"]!.AsArray().Select(n => (string?)n!["kind"]).Order(StringComparer.Ordinal));
        Assert.Empty(story["invoices"]!.AsArray());

        // The queues' open items by age, as the operations page shows them: the exception as old as the carrier's report
        // (four hours), the billing gap as old as billing's decision (just now).
        var ages = (await admin.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/exceptions/ages", UriKind.Relative)))!
            .ToDictionary(queue => (string)queue!["queue"]!, queue => ((long)queue!["underAnHour"]!, (long)queue["underADay"]!, (long)queue["total"]!));
        Assert.Equal((0L, 1L, 1L), ages["delivery-exception"]);
        Assert.Equal((1L, 0L, 1L), ages["billing-incomplete"]);
        Assert.Equal((0L, 0L, 0L), ages["erp-failure"]);

        // The shipment's customer reads the same story without the staff's exception queues.
        using var customer = factory.CreateClient();
        customer.DefaultRequestHeaders.Authorization = TestKeys.Bearer(await MintAsync("customer:C-STORY"));
        var own = await StoryAsync(customer);
        Assert.Empty(own["exceptions"]!.AsArray());
        Assert.Equal(steps.Count, own["steps"]!.AsArray().Count);
        Assert.Single(own["cases"]!.AsArray());

        using var unknown = await admin.GetAsync(new Uri("/api/v1/shipments/S-NOBODY/story", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_invoice_held_on_credit_brings_its_credit_hold_item_case_and_notification_into_the_story()
    {
        await PostAsync("/api/v1/customers", SampleBookings.Customer("C-STORY-HOLD"));
        await PostAsync("/api/v1/customers/C-STORY-HOLD/credit-hold", new JsonObject { ["reason"] = "Disputed invoices" });
        await PostAsync("/api/v1/shipments", SampleBookings.Booking("S-STORY-HOLD", "C-STORY-HOLD", "K-STORY"));
        foreach (var (id, type, amount) in new[] { ("H-LH", "LINEHAUL", 900m), ("H-FS", "FUEL_SURCHARGE", 80m) })
        {
            await PostAsync("/api/v1/shipments/S-STORY-HOLD/charges", new JsonObject
            {
                ["chargeId"] = id, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
                ["source"] = "Rating", ["sourceReference"] = "RATE-1",
            });
        }

        await PostAsync("/api/v1/carrier-events", new JsonArray(new JsonObject
        {
            ["eventId"] = "H-POD", ["carrierId"] = "K-STORY", ["shipmentId"] = "S-STORY-HOLD", ["milestone"] = "ProofOfDelivery",
            ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
        }));

        var story = await Eventually.Succeeds(
            async () => await StoryAsync(admin, "S-STORY-HOLD") is { } read && read["cases"]!.AsArray().Count == 1 && read["exceptions"]!.AsArray().Count == 1
                ? read
                : throw new InvalidOperationException("not projected yet"),
            Deadline,
            "the held invoice's item and case in the story");

        Assert.Equal("OnHold", (string?)story["invoices"]![0]!["status"]);
        Assert.Equal("credit-hold/invoice/INV-S-STORY-HOLD", (string?)story["exceptions"]![0]!["exceptionId"]);
        Assert.Equal(("CASE-INV-S-STORY-HOLD-credit", "CreditHold"), ((string?)story["cases"]![0]!["caseId"], (string?)story["cases"]![0]!["reason"]));
        Assert.Contains(story["notifications"]!.AsArray(), notification => (string?)notification!["kind"] == "InvoiceHeld");
    }

    private static async Task<JsonObject> StoryAsync(HttpClient http, string shipmentId = "S-STORY") =>
        await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/shipments/{shipmentId}/story", UriKind.Relative)) ?? throw new InvalidOperationException("no story");

    private static JsonObject Event(string eventId, string kind, string value, DateTimeOffset occurredAt) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = "K-STORY", ["shipmentId"] = "S-STORY", [kind] = value, ["occurredAt"] = occurredAt,
    };

    private async Task PostAsync<T>(string path, T body)
    {
        using var response = await admin.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<string> MintAsync(string role)
    {
        using var response = await admin.PostAsJsonAsync(
            new Uri("/api/v1/keys", UriKind.Relative), new JsonObject { ["partner"] = "story-" + role, ["roles"] = new JsonArray(role) });
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
    }
}
