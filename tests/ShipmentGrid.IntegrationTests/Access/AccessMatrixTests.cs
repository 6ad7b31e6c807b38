using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Billing;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Access;

/// <summary>
/// Every route of the API against every role, a foreign tenant's key and no key. Each case states, per key in the
/// order of <see cref="Keys"/>, what it must get: <c>o</c> allowed (anything but 401, 403 and 404), <c>3</c> 403,
/// <c>4</c> 404 (what the key may not read does not exist for it). Without a key every route is 401. The cases
/// must name every route the API maps, so a new route cannot be left out.
/// </summary>
public sealed class AccessMatrixTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    /// <summary>admin, operations, finance, customer service, the carrier of S-A, the customer of S-A, a metrics key.</summary>
    private static readonly string[] Keys = ["admin", "operations", "finance", "customer-service", "carrier:K-A", "customer:C-A", "metrics"];

    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task Every_route_answers_every_role_a_foreign_tenant_and_no_key_as_the_roles_table_says()
    {
        var seeded = await SeedAsync();
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in Keys)
        {
            tokens[role] = await MintAsync(role);
        }

        var revocable = await MintAsync("operations");
        var revocableId = revocable.Split('_')[1];
        var cases = Cases(revocableId, seeded);
        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(method => $"{method} {endpoint.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(mapped.Except(cases.Select(c => $"{c.Method} {c.Route}"), StringComparer.Ordinal));

        var failures = new List<string>();
        foreach (var c in cases)
        {
            using (var anonymous = await SendAsync(c, key: null))
            {
                if (anonymous.StatusCode != HttpStatusCode.Unauthorized || anonymous.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{c.Method} {c.Path} without a key: {(int)anonymous.StatusCode}");
                }
            }

            for (var i = 0; i < Keys.Length; i++)
            {
                using var response = await SendAsync(c, tokens[Keys[i]]);
                var status = (int)response.StatusCode;
                var ok = c.Expected[i] switch
                {
                    'o' => status is not (401 or 403 or 404) && status < 500,
                    '3' => status == 403,
                    '4' => status == 404,
                    _ => throw new InvalidOperationException($"Unknown expectation '{c.Expected[i]}'."),
                };
                if (!ok || (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json"))
                {
                    failures.Add($"{c.Method} {c.Path} as {Keys[i]}: {status}, expected '{c.Expected[i]}' ({await response.Content.ReadAsStringAsync()})");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task A_carrier_key_sends_only_its_own_events_and_another_carriers_are_refused_one_by_one_touching_nothing_of_theirs()
    {
        using var booked = await admin.PostAsJsonAsync("/api/v1/customers", SampleBookings.Customer("C-A"));
        foreach (var (shipmentId, carrierId) in new[] { ("S-OWN", "K-A"), ("S-THEIRS", "K-B") })
        {
            using var shipment = await admin.PostAsJsonAsync("/api/v1/shipments", SampleBookings.Booking(shipmentId, "C-A", carrierId));
            Assert.True(shipment.IsSuccessStatusCode);
        }

        var carrier = await MintAsync("carrier:K-A");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/carrier-events")
        {
            Content = JsonContent.Create(new JsonArray(
                Event("AX-own", "K-A", "S-OWN", "PickedUp"),
                Event("AX-theirs", "K-B", "S-THEIRS", "PickedUp"),
                Event("AX-not-its-shipment", "K-A", "S-THEIRS", "PickedUp"))),
        };
        request.Headers.Authorization = TestKeys.Bearer(carrier);
        using var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        Assert.Equal(
            [("Accepted", null), ("Rejected", "forbidden"), ("Rejected", "shipment-not-booked")],
            results.Select(r => ((string?)r!["outcome"], (string?)r["rejection"])).ToArray());

        // Nothing reached carrier K-B: no dead letter, and its shipment's history holds only its booking.
        var letters = await admin.GetFromJsonAsync<JsonObject>("/api/v1/carriers/K-B/dead-letters");
        Assert.Empty(letters!["items"]!.AsArray());
        var history = await admin.GetFromJsonAsync<JsonArray>("/api/v1/shipments/S-THEIRS/history");
        Assert.Single(history!);
    }

    [Fact]
    public async Task A_customer_key_books_only_its_own_shipments_in_a_batch_and_another_customers_booking_is_refused_alone()
    {
        foreach (var customerId in new[] { "C-A", "C-B" })
        {
            using var registered = await admin.PostAsJsonAsync("/api/v1/customers", SampleBookings.Customer(customerId));
            Assert.True(registered.IsSuccessStatusCode);
        }

        var customer = await MintAsync("customer:C-A");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/shipments/batch")
        {
            Content = JsonContent.Create(new[] { SampleBookings.Booking("S-BATCH-OWN", "C-A", "K-A"), SampleBookings.Booking("S-BATCH-THEIRS", "C-B", "K-A") }),
        };
        request.Headers.Authorization = TestKeys.Bearer(customer);
        using var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        Assert.Equal(
            [("S-BATCH-OWN", "Booked", null), ("S-BATCH-THEIRS", "Rejected", "forbidden")],
            results.Select(r => ((string?)r!["shipmentId"], (string?)r["outcome"], (string?)r["rejection"])).ToArray());
        using var theirs = await admin.GetAsync("/api/v1/shipments/S-BATCH-THEIRS");
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
    }

    private static JsonObject Event(string eventId, string carrierId, string shipmentId, string milestone) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = carrierId, ["shipmentId"] = shipmentId, ["milestone"] = milestone,
        ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
    };

    private static List<Case> Cases(string revocableKeyId, Seeded seeded)
    {
        var booking = SampleBookings.Booking("S-NEW", "C-A", "K-A");
        var foreignBooking = SampleBookings.Booking("S-NEW-B", "C-B", "K-B");
        var batchBooking = SampleBookings.Booking("S-NEW-BATCH", "C-A", "K-A");
        var charge = new JsonObject
        {
            ["chargeId"] = "ACC-1", ["type"] = "OtherAccessorial", ["amount"] = new JsonObject { ["amount"] = 10m, ["currency"] = "USD" },
            ["source"] = "CarrierInvoice", ["sourceReference"] = "210-ACC",
        };
        var profile = CarrierProfile("K-A");
        return
        [
            new("POST", "/api/v1/customers/", "/api/v1/customers", Json(SampleBookings.Customer("C-NEW")), "oo33334"),
            new("GET", "/api/v1/customers/{customerId}", "/api/v1/customers/C-A", null, "oooo4o4"),
            new("GET", "/api/v1/customers/{customerId}", "/api/v1/customers/C-B", null, "oooo444"),
            new("GET", "/api/v1/customers/{customerId}/overview", "/api/v1/customers/C-A/overview", null, "oooo4o4"),
            new("GET", "/api/v1/customers/{customerId}/shipments", "/api/v1/customers/C-A/shipments", null, "oooo4o4"),
            new("GET", "/api/v1/customers/{customerId}/shipments", "/api/v1/customers/C-B/shipments", null, "oooo444"),
            new("POST", "/api/v1/shipments/", "/api/v1/shipments", Json(booking), "oo333o4"),
            new("POST", "/api/v1/shipments/", "/api/v1/shipments", Json(foreignBooking), "oo33334"),
            new("POST", "/api/v1/shipments/batch", "/api/v1/shipments/batch", Json(new[] { batchBooking }), "oo333o4"),
            new("GET", "/api/v1/shipments/", "/api/v1/shipments?pro=PRO-S-A", null, "oooooo4"),
            new("GET", "/api/v1/shipments/{shipmentId}", "/api/v1/shipments/S-A", null, "oooooo4"),
            new("GET", "/api/v1/shipments/{shipmentId}", "/api/v1/shipments/S-B", null, "oooo444"),
            new("POST", "/api/v1/shipments/{shipmentId}/charges", "/api/v1/shipments/S-A/charges", charge.ToJsonString(), "o3o3o34"),
            new("POST", "/api/v1/shipments/{shipmentId}/charges", "/api/v1/shipments/S-B/charges", charge.ToJsonString(), "o3o3444"),
            new("POST", "/api/v1/shipments/{shipmentId}/charges/{chargeId}/void", "/api/v1/shipments/S-A/charges/ACC-1/void", """{"reason":"audit"}""", "o3o3334"),
            new("GET", "/api/v1/shipments/{shipmentId}/history", "/api/v1/shipments/S-A/history", null, "oooooo4"),
            new("GET", "/api/v1/shipments/{shipmentId}/story", "/api/v1/shipments/S-A/story", null, "oooooo4"),
            new("POST", "/api/v1/admin/shipments/{shipmentId}/rebuild", "/api/v1/admin/shipments/S-A/rebuild", null, "o333334"),
            new("POST", "/api/v1/carrier-events", "/api/v1/carrier-events", Json(Event("M-1", "K-A", "S-A", "InTransit")), "o333o34"),
            new("POST", "/api/v1/carrier-events/stream", "/api/v1/carrier-events/stream", Json(Event("M-2", "K-A", "S-A", "InTransit")), "o333o34"),
            new("GET", "/api/v1/carrier-events/{carrierId}/{eventId}", "/api/v1/carrier-events/K-A/M-2", null, "ooooo44"),
            new("GET", "/api/v1/invoices/{invoiceNumber}", "/api/v1/invoices/" + InvoiceNumbering.For("S-A"), null, "oooo4o4"),
            new("GET", "/api/v1/invoices/{invoiceNumber}", "/api/v1/invoices/" + InvoiceNumbering.For("S-B"), null, "oooo444"),
            new("GET", "/api/v1/shipments/{shipmentId}/invoice", "/api/v1/shipments/S-A/invoice", null, "oooo4o4"),
            new("GET", "/api/v1/shipments/{shipmentId}/invoices", "/api/v1/shipments/S-A/invoices", null, "oooo4o4"),
            new("POST", "/api/v1/customers/{customerId}/credit-hold", "/api/v1/customers/C-A/credit-hold", """{"reason":"audit"}""", "o3o3434"),
            new("DELETE", "/api/v1/customers/{customerId}/credit-hold", "/api/v1/customers/C-A/credit-hold", null, "o3o3434"),
            new("PUT", "/api/v1/customers/{customerId}/credit-limit", "/api/v1/customers/C-A/credit-limit", """{"amount":20000}""", "o3o3434"),
            new("POST", "/api/v1/customers/{customerId}/payments", "/api/v1/customers/C-A/payments", """{"paymentId":"P-1","amount":10}""", "o3o3434"),
            new("POST", "/api/v1/customers/{customerId}/payments", "/api/v1/customers/C-B/payments", """{"paymentId":"P-1","amount":10}""", "o3o3444"),
            new("GET", "/api/v1/exceptions/", "/api/v1/exceptions", null, "oooo444"),
            new("GET", "/api/v1/exceptions/ages", "/api/v1/exceptions/ages", null, "oooo444"),
            new("POST", "/api/v1/exceptions/retry", "/api/v1/exceptions/retry", """{"exceptionId":"not-an-item"}""", "oo33334"),
            new("POST", "/api/v1/exceptions/resolve", "/api/v1/exceptions/resolve", """{"exceptionId":"not-an-item","resolution":"done"}""", "ooo3334"),
            new("POST", "/api/v1/shipments/{shipmentId}/exceptions/{exceptionId}/resolve", $"/api/v1/shipments/S-A/exceptions/{seeded.ExceptionId}/resolve", """{"resolution":"done"}""", "oo33334"),
            new("GET", "/api/v1/carriers/{carrierId}/dead-letters", "/api/v1/carriers/K-A/dead-letters", null, "ooooo44"),
            new("GET", "/api/v1/carriers/{carrierId}/dead-letters", "/api/v1/carriers/K-B/dead-letters", null, "oooo444"),
            new("POST", "/api/v1/carriers/{carrierId}/dead-letters/{eventId}/replay", "/api/v1/carriers/K-A/dead-letters/DL-1/replay", null, "oo33344"),
            new("GET", "/api/v1/customers/{customerId}/service-cases", "/api/v1/customers/C-A/service-cases", null, "oooo4o4"),
            new("GET", "/api/v1/customers/{customerId}/service-cases/{caseId}", $"/api/v1/customers/C-A/service-cases/{seeded.CaseId}", null, "oooo4o4"),
            new("GET", "/api/v1/customers/{customerId}/notifications", "/api/v1/customers/C-A/notifications", null, "oooo4o4"),
            new("PUT", "/api/v1/carriers/{carrierId}", "/api/v1/carriers/K-A", profile.ToJsonString(), "o333344"),
            new("PUT", "/api/v1/carriers/{carrierId}", "/api/v1/carriers/K-B", CarrierProfile("K-B").ToJsonString(), "o333444"),
            new("GET", "/api/v1/carriers/{carrierId}", "/api/v1/carriers/K-A", null, "ooooo44"),
            new("GET", "/api/v1/kpis/carriers/{carrierId}", "/api/v1/kpis/carriers/K-A", null, "ooooo44"),
            new("GET", "/api/v1/kpis/customers/{customerId}", "/api/v1/kpis/customers/C-A", null, "oooo4o4"),
            new("GET", "/api/v1/journal/lag", "/api/v1/journal/lag", null, "oooo444"),
            new("POST", "/api/v1/keys/", "/api/v1/keys", """{"partner":"p","roles":["finance"]}""", "o333334"),
            new("GET", "/api/v1/keys/", "/api/v1/keys", null, "o444444"),
            new("GET", "/api/v1/keys/{keyId}", "/api/v1/keys/" + revocableKeyId, null, "o444444"),
            new("GET", "/api/v1/audit", "/api/v1/audit", null, "o444444"),
            new("GET", "/api/v1/dead-letters/", "/api/v1/dead-letters", null, "ooooo44"),
            new("POST", "/api/v1/edi/", "/api/v1/edi", "ISA*not an interchange~", "o333o34"),
            new("GET", "/api/v1/edi/{carrierId}/{controlNumber}", "/api/v1/edi/K-A/000000777", null, "ooooo44"),
            new("GET", "/api/v1/dead-letters/", "/api/v1/dead-letters?partner=K-B", null, "oooo444"),
            new("POST", "/api/v1/dead-letters/replay", "/api/v1/dead-letters/replay", """{"items":[{"carrierId":"K-A","eventId":"DL-1"}]}""", "oo33334"),
            new("POST", "/api/v1/dead-letters/discard", "/api/v1/dead-letters/discard", """{"items":[{"carrierId":"K-A","eventId":"DL-1"}],"reason":"test"}""", "oo33334"),
            new("POST", "/api/v1/webhooks/", "/api/v1/webhooks", """{"url":"https://93.184.215.14/hooks","eventTypes":["ExceptionOpened"]}""", "o333334"),
            new("GET", "/api/v1/webhooks/", "/api/v1/webhooks", null, "o444444"),
            new("GET", "/api/v1/webhooks/{subscriptionId}", "/api/v1/webhooks/" + seeded.WebhookId, null, "o444444"),
            new("PATCH", "/api/v1/webhooks/{subscriptionId}", "/api/v1/webhooks/" + seeded.WebhookId, """{"enabled":true}""", "o333334"),
            new("POST", "/api/v1/webhooks/{subscriptionId}/rotate-secret", $"/api/v1/webhooks/{seeded.WebhookId}/rotate-secret", null, "o333334"),
            new("GET", "/api/v1/webhooks/{subscriptionId}/deliveries", $"/api/v1/webhooks/{seeded.WebhookId}/deliveries", null, "o444444"),
            new("POST", "/api/v1/webhooks/{subscriptionId}/redeliver", $"/api/v1/webhooks/{seeded.WebhookId}/redeliver", """{"notificationId":""}""", "o333334"),
            new("DELETE", "/api/v1/webhooks/{subscriptionId}", "/api/v1/webhooks/" + seeded.WebhookId, null, "o333334"),
            new("DELETE", "/api/v1/keys/{keyId}", "/api/v1/keys/" + revocableKeyId, null, "o333334"),
        ];
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, System.Text.Json.JsonSerializerOptions.Web);

    private async Task<HttpResponseMessage> SendAsync(Case c, string? key)
    {
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null)
        {
            request.Content = new StringContent(c.Body, Encoding.UTF8, c.Route.StartsWith("/api/v1/edi", StringComparison.Ordinal) ? "application/edi-x12" : "application/json");
        }

        request.Headers.Authorization = key is null ? null : TestKeys.Bearer(key);
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = null;
        return await http.SendAsync(request);
    }

    private async Task<string> MintAsync(string role)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/keys", new { partner = "matrix-" + role, roles = new[] { role } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
    }

    /// <summary>
    /// Two tenants of each kind: customer C-A with carrier K-A's shipment S-A (invoiced, with an open delivery
    /// exception and its service case), and C-B with K-B's S-B; K-A has a dead letter.
    /// </summary>
    private async Task<Seeded> SeedAsync()
    {
        foreach (var (customer, carrier, shipment) in new[] { ("C-A", "K-A", "S-A"), ("C-B", "K-B", "S-B") })
        {
            using var registered = await admin.PostAsJsonAsync("/api/v1/customers", SampleBookings.Customer(customer));
            using var carrierRegistered = await admin.PutAsync($"/api/v1/carriers/{carrier}", new StringContent(CarrierProfile(carrier).ToJsonString(), Encoding.UTF8, "application/json"));
            using var booked = await admin.PostAsJsonAsync("/api/v1/shipments", SampleBookings.Booking(shipment, customer, carrier));
            Assert.True(booked.IsSuccessStatusCode, await booked.Content.ReadAsStringAsync());
            await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IInvoiceGrain>(shipment).Open(new BillingReady(
                $"{shipment}/billing-ready",
                shipment,
                DateTimeOffset.UtcNow,
                customer,
                "USD",
                [new Charge($"{shipment}-LH", ChargeType.Linehaul, new Money(100m, "USD"), ChargeSource.Rating, "RATE-1")]));
        }

        var damaged = Event("S-A-X", "K-A", "S-A", "PickedUp");
        damaged.Remove("milestone");
        damaged["deliveryException"] = "Damaged";
        using var exception = await admin.PostAsJsonAsync("/api/v1/carrier-events", new JsonArray(damaged, Event("DL-1", "K-A", "S-NONE", "PickedUp")));
        Assert.Equal(HttpStatusCode.OK, exception.StatusCode);
        var view = await admin.GetFromJsonAsync<JsonObject>("/api/v1/shipments/S-A");
        var exceptionId = (string)view!["openExceptions"]!.AsArray().Single()!["exceptionId"]!;
        {
            using var interchange = await admin.PostAsync(
                "/api/v1/edi?carrierId=K-A",
                new StringContent(
                    "ISA*00*          *00*          *02*FSTF           *ZZ*SHIPGRID       *250110*1200*U*00401*000000777*0*P*>~"
                    + "GS*QM*FSTF*SHIPGRID*20250110*1200*1*X*004010~ST*214*0001~B10*PRO-1*S-NONE*~LX*1~AT7*AF*NS***20250109*1430*CT~SE*5*0001~GE*1*1~IEA*1*000000777~",
                    Encoding.ASCII,
                    "application/edi-x12"));
            Assert.True(interchange.IsSuccessStatusCode, await interchange.Content.ReadAsStringAsync());
        }

        string? caseId = null;
        await Eventually.Holds(
            async () =>
            {
                var cases = await admin.GetFromJsonAsync<JsonObject>("/api/v1/customers/C-A/service-cases");
                caseId = (string?)cases!["items"]!.AsArray().FirstOrDefault()?["caseId"];
                return caseId is not null;
            },
            TimeSpan.FromSeconds(20),
            "the delivery exception's service case");
        using var webhook = await admin.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://93.184.215.14/hooks", eventTypes = new JsonArray("ExceptionOpened") });
        var webhookId = (string)(await webhook.Content.ReadFromJsonAsync<JsonObject>())!["subscription"]!["subscriptionId"]!;
        return new Seeded(exceptionId, caseId!, webhookId);
    }

    private sealed record Seeded(string ExceptionId, string CaseId, string WebhookId);

    private static JsonObject CarrierProfile(string carrierId) => new()
    {
        ["carrierId"] = carrierId,
        ["scac"] = "FSTF",
        ["name"] = "Carrier " + carrierId,
        ["milestoneCodes"] = new JsonObject { ["AF"] = "PickedUp" },
        ["exceptionCodes"] = new JsonObject { ["SD"] = "Delayed" },
        ["chargeCodes"] = new JsonObject { ["400"] = "Linehaul" },
        ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
    };

    private sealed record Case(string Method, string Route, string Path, string? Body, string Expected);
}
