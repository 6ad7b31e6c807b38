using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Billing;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>
/// A fuzz pass over every route of the API, taken from the endpoint data source so a new route is covered without
/// editing this test: malformed path ids, query values and bodies each answer 4xx problem+json, never 5xx, and the
/// grid's state read back through the API afterwards is what it was before. The inputs are enumerated, not drawn at
/// random, so a failure names the exact request and repeats.
/// </summary>
public sealed class FuzzPassTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private const string Customer = "FZ-CUST";
    private const string Shipment = "FZ-SHP";
    private const string Carrier = "FZ-CARR";

    /// <summary>A valid value for each route parameter, naming something that exists where it can.</summary>
    private static readonly Dictionary<string, string> ValidRouteValues = new(StringComparer.Ordinal)
    {
        ["customerId"] = Customer,
        ["shipmentId"] = Shipment,
        ["carrierId"] = Carrier,
        ["eventId"] = "FZ-E-1",
        ["invoiceNumber"] = "INV-" + Shipment,
        ["chargeId"] = "FZ-LH",
        ["caseId"] = "FZ-CASE",
        ["exceptionId"] = "FZ-EX",
        ["subscriptionId"] = "wh_0000000000000000",
    };

    /// <summary>
    /// Path values no route accepts: blank, control characters, over-long. A NUL (<c>%00</c>) never reaches a route: the
    /// server refuses to decode it (Kestrel and the test server alike), see <c>ServerLimitProcessTests</c>.
    /// </summary>
    private static readonly string[] BadRouteValues = ["%20", "%20%20", "A%01B", "A%09B", "A%7FB", "A%1BB", new('X', 300)];

    /// <summary>Query values each query parameter refuses, by the parameter's name in the handler.</summary>
    private static readonly Dictionary<string, string[]> BadQueryValues = new(StringComparer.Ordinal)
    {
        ["limit"] = ["0", "-1", "501", "lots", "99999999999", "1.5"],
        ["after"] = ["not-a-cursor", "%00", new('A', 5_000)],
        ["from"] = ["yesterday", "2026-13-45"],
        ["to"] = ["tomorrow", "2026-02-30"],
        ["minAgeHours"] = ["-1", "lots", "NaN", "Infinity", "1e400"],
        ["queue"] = ["nope", "%00"],
        ["status"] = ["nope", "OPEN"],
        ["owner"] = ["Nobody", "42"],
    };

    /// <summary>
    /// A valid body per route that reads one, by endpoint name. Each would change something the snapshot reads, so a
    /// mutation that failed to spoil it shows as a change. A new route with a body needs an entry here: the test says so.
    /// </summary>
    private static readonly Dictionary<string, string> SampleBodies = new(StringComparer.Ordinal)
    {
        ["RegisterCustomer"] = """{"customerId":"FZ-NEW-CUST","name":"Fuzz Co","billingCurrency":"USD","creditLimit":100.00,"paymentTermsDays":30}""",
        ["BookShipment"] = """
            {"shipmentId":"FZ-NEW-SHP","customerId":"FZ-CUST","carrierId":"FZ-CARR",
             "origin":{"city":"Chicago","state":"IL","country":"US","postalCode":"60601"},
             "destination":{"city":"Dallas","state":"TX","country":"US","postalCode":"75201"},
             "references":{"proNumber":"PRO-1","billOfLading":"BOL-1","purchaseOrder":"PO-1"},
             "plannedPickup":"2026-11-30T08:00:00-06:00","plannedDelivery":"2026-12-02T17:00:00-06:00",
             "serviceFlags":{"specialHandling":true}}
            """,
        ["BookShipments"] = """
            [{"shipmentId":"FZ-NEW-SHP-B","customerId":"FZ-CUST","carrierId":"FZ-CARR",
              "origin":{"city":"Chicago","state":"IL","country":"US","postalCode":"60601"},
              "destination":{"city":"Dallas","state":"TX","country":"US","postalCode":"75201"},
              "references":{"proNumber":"PRO-2","billOfLading":"BOL-2","purchaseOrder":"PO-2"},
              "plannedPickup":"2026-11-30T08:00:00-06:00","plannedDelivery":"2026-12-02T17:00:00-06:00","serviceFlags":{"specialHandling":false}}]
            """,
        ["RecordCharge"] = """{"chargeId":"FZ-NEW-CHG","type":"Detention","amount":{"amount":75.50,"currency":"USD"},"source":"Manual","sourceReference":"FZ-REF"}""",
        ["VoidCharge"] = """{"reason":"Fuzz void","replacement":{"chargeId":"FZ-LH-2","type":"LINEHAUL","amount":{"amount":800,"currency":"USD"},"source":"Manual"}}""",
        ["PlaceCreditHold"] = """{"reason":"Fuzz hold"}""",
        ["SetCreditLimit"] = """{"amount":1234.56}""",
        ["RecordPayment"] = """{"paymentId":"FZ-PAY","amount":10.25}""",
        ["RetryException"] = """{"exceptionId":"dead-letter/carrier/FZ-CARR/event/FZ-E-1"}""",
        ["ResolveException"] = """{"exceptionId":"dead-letter/carrier/FZ-CARR/event/FZ-E-1","resolution":"Fuzz resolution"}""",
        ["ResolveShipmentException"] = """{"resolution":"Fuzz resolution"}""",
        ["RegisterCarrier"] = """
            {"carrierId":"FZ-CARR","scac":"FZCR","name":"Fuzz Freight","milestoneCodes":{"AF":"PickedUp","D1":"Delivered"},
             "exceptionCodes":{"A9":"Damaged"},"chargeCodes":{"FUE":"FuelSurcharge"},"sla":{"deliveryTolerance":"02:00:00","onTimeTargetPercent":95.5}}
            """,
        ["MintApiKey"] = """{"partner":"fz-partner","roles":["operations","carrier:FZ-CARR"],"description":"Fuzz key"}""",
        ["ReplayDeadLetters"] = """{"items":[{"carrierId":"FZ-CARR","eventId":"FZ-E-1"}]}""",
        ["DiscardDeadLetters"] = """{"items":[{"carrierId":"FZ-CARR","eventId":"FZ-E-2"}],"reason":"Fuzz discard"}""",
        ["RecordCarrierEvents"] = CarrierEvents,
        ["StreamCarrierEvents"] = CarrierEvents,
        ["CreateWebhookSubscription"] = """{"url":"https://93.184.215.14/hooks","eventTypes":["ExceptionOpened"],"description":"Fuzz hook"}""",
        ["RedeliverWebhookNotification"] = """{"notificationId":"FZ-NOTIFICATION"}""",
        ["SetWebhookSubscriptionEnabled"] = """{"enabled":false,"reason":"Fuzz pause"}""",
    };

    private const string CarrierEvents = """
        [{"eventId":"FZ-NEW-E","carrierId":"FZ-CARR","shipmentId":"FZ-SHP","milestone":"InTransit","occurredAt":"2026-12-01T10:00:00Z",
          "location":{"city":"Tulsa","state":"OK","country":"US","postalCode":"74101"},"reasonCode":"NS","notes":"On time","detentionReported":false,"schemaVersion":1}]
        """;

    /// <summary>Money fields: their leaves also get more decimals than any currency has, and amounts past 10^12.</summary>
    private static readonly HashSet<string> MoneyLeaves = new(StringComparer.Ordinal) { "amount", "creditLimit" };

    /// <summary>Every enum name the contracts know: a leaf holding one gets a value outside its set.</summary>
    private static readonly HashSet<string> EnumNames = typeof(ChargeType).Assembly.GetTypes()
        .Where(type => type.IsEnum && type.IsPublic)
        .SelectMany(Enum.GetNames)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>What the grid holds, read through the API: each read's status, and its body when it succeeds.</summary>
    private static readonly string[] StateReads =
    [
        $"/api/v1/customers/{Customer}",
        $"/api/v1/customers/{Customer}/overview",
        $"/api/v1/customers/{Customer}/shipments",
        $"/api/v1/customers/{Customer}/service-cases",
        $"/api/v1/customers/{Customer}/notifications",
        "/api/v1/customers/FZ-NEW-CUST",
        $"/api/v1/shipments/{Shipment}",
        $"/api/v1/shipments/{Shipment}/history",
        $"/api/v1/shipments/{Shipment}/invoice",
        "/api/v1/shipments/FZ-NEW-SHP",
        "/api/v1/shipments/FZ-NEW-SHP-B",
        $"/api/v1/carriers/{Carrier}",
        $"/api/v1/carriers/{Carrier}/dead-letters",
        $"/api/v1/carrier-events/{Carrier}/FZ-NEW-E",
        "/api/v1/exceptions?status=all",
        "/api/v1/keys",
        "/api/v1/dead-letters?status=all",
        "/api/v1/webhooks",
    ];

    [Fact]
    public async Task Every_route_answers_malformed_input_with_4xx_problem_json_and_changes_nothing()
    {
        using var http = factory.CreateClient();
        await SeedAsync(http);
        var routes = Routes();
        Assert.Contains(routes, route => route.Pattern == "/api/v1/carrier-events/stream");
        var missingSamples = routes.Where(route => route.ReadsBody && !SampleBodies.ContainsKey(route.Name)).Select(route => route.Name).ToList();
        Assert.True(missingSamples.Count == 0, $"Add a valid sample body for: {string.Join(", ", missingSamples)}");

        var before = await SnapshotAsync(http);
        var failures = new List<string>();
        var sent = 0;
        foreach (var route in routes)
        {
            foreach (var request in Malformed(route))
            {
                sent++;
                if (await ProblemOf(http, request) is { } failure)
                {
                    failures.Add(failure);
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} malformed requests were not answered 4xx problem+json:\n{string.Join("\n", failures.Take(40))}");
        Assert.True(sent > 300, $"only {sent} malformed requests were sent");
        Assert.Equal(before, await SnapshotAsync(http));

        // Each sample unspoiled is taken (or names nothing that exists), and the snapshot sees what it changes: a
        // mutation the API had let through would have shown.
        var previous = before;
        foreach (var route in routes.Where(route => route.ReadsBody))
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), new Uri(Path(route, null, null), UriKind.Relative))
            {
                Content = new StringContent(SampleBodies[route.Name], Encoding.UTF8, "application/json"),
            };
            using var response = await http.SendAsync(request);
            Assert.True(
                response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound,
                $"{route.Name}'s sample was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var after = await SnapshotAsync(http);
            Assert.True(
                response.StatusCode == HttpStatusCode.NotFound || after != previous,
                $"{route.Name}'s sample changed nothing the snapshot reads: add a read that would see it");
            previous = after;
        }
    }

    /// <summary>
    /// A customer with a shipment, a charge, a registered carrier and two dead letters (events for a shipment never
    /// booked), so malformed requests meet real objects.
    /// </summary>
    private static async Task SeedAsync(HttpClient http)
    {
        await ExpectAsync(await http.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer(Customer)), HttpStatusCode.Created);
        await ExpectAsync(await http.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(Shipment, Customer, Carrier)), HttpStatusCode.Created);
        await ExpectAsync(await PostJsonAsync(http, $"/api/v1/shipments/{Shipment}/charges", """{"chargeId":"FZ-LH","type":"LINEHAUL","amount":{"amount":900,"currency":"USD"},"source":"Rating"}"""), HttpStatusCode.Created);
        // Another name than the sample's, so the sample would be the carrier's next version.
        using var carrier = new StringContent(SampleBodies["RegisterCarrier"].Replace("Fuzz Freight", "Fuzz Freight Seed", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        await ExpectAsync(await http.PutAsync(new Uri($"/api/v1/carriers/{Carrier}", UriKind.Relative), carrier), HttpStatusCode.Created);
        await ExpectAsync(
            await PostJsonAsync(http, "/api/v1/carrier-events", $$"""
                [{"eventId":"FZ-E-1","carrierId":"{{Carrier}}","shipmentId":"FZ-NOWHERE","milestone":"PickedUp","occurredAt":"2026-12-01T08:00:00Z"},
                 {"eventId":"FZ-E-2","carrierId":"{{Carrier}}","shipmentId":"FZ-NOWHERE","milestone":"InTransit","occurredAt":"2026-12-01T09:00:00Z"}]
                """),
            HttpStatusCode.OK);
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient http, string path, string json) =>
        http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    private List<Route> Routes()
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        return
        [
            .. endpoints
                .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
                .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => new Route(
                    method,
                    endpoint.RoutePattern.RawText!,
                    endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? endpoint.DisplayName ?? endpoint.RoutePattern.RawText!,
                    [.. endpoint.RoutePattern.Parameters.Select(parameter => parameter.Name)],
                    endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.Contains("application/json") == true,
                    endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts && !accepts.ContentTypes.Contains("application/json"),
                    [.. endpoint.Metadata.OfType<MethodInfo>().SelectMany(handler => handler.GetParameters()).Select(parameter => parameter.Name!).Where(BadQueryValues.ContainsKey)])))
                .OrderBy(route => route.Pattern, StringComparer.Ordinal)
                .ThenBy(route => route.Method, StringComparer.Ordinal),
        ];
    }

    private static IEnumerable<FuzzRequest> Malformed(Route route)
    {
        if (route.ReadsText)
        {
            // A raw interchange for the seeded carrier that no reader accepts: each is refused whole, nothing changes.
            var edi = $"{Path(route, null, null)}?carrierId={Carrier}";
            foreach (var body in (string[])["", "not x12", "ISA*00*", new('~', 5_000), "ISA" + new string('*', 200) + "~IEA*1*1~", "\u0000\u0001"])
            {
                yield return new FuzzRequest(route.Method, edi, body, "application/edi-x12");
            }

            yield return new FuzzRequest(route.Method, edi, "not x12", "text/plain");
        }

        var sample = route.ReadsBody ? SampleBodies[route.Name] : null;

        // Path ids: every parameter in turn, the others valid; a valid body, so only the path is wrong.
        foreach (var parameter in route.Parameters)
        {
            foreach (var bad in BadRouteValues)
            {
                yield return new FuzzRequest(route.Method, Path(route, parameter, bad), sample, "application/json");
            }
        }

        foreach (var parameter in route.QueryParameters)
        {
            foreach (var bad in BadQueryValues[parameter])
            {
                yield return new FuzzRequest(route.Method, $"{Path(route, null, null)}?{parameter}={bad}", sample, "application/json");
            }
        }

        if (sample is null)
        {
            yield break;
        }

        var path = Path(route, null, null);
        foreach (var body in (string[])["", "{", "{\"a\":", "[1,2", "42", "\"text\"", "null", "[]", "[{}, 1]", "{\"x\":\u0001}", new('[', 5_000)])
        {
            yield return new FuzzRequest(route.Method, path, body, "application/json");
        }

        yield return new FuzzRequest(route.Method, path, sample, "text/plain");
        yield return new FuzzRequest(route.Method, path, sample, "application/x-www-form-urlencoded");
        foreach (var body in MutatedLeaves(sample))
        {
            yield return new FuzzRequest(route.Method, path, body, "application/json");
        }
    }

    /// <summary>The sample with one leaf spoiled at a time, each spoiling one no field accepts.</summary>
    private static IEnumerable<string> MutatedLeaves(string sample)
    {
        var leaves = new List<(JsonNode Parent, object Key, JsonNode? Value)>();
        Collect(JsonNode.Parse(sample)!, leaves);
        for (var i = 0; i < leaves.Count; i++)
        {
            var (_, key, value) = leaves[i];
            var kind = value?.GetValueKind();
            var replacements = new List<JsonNode?>
            {
                JsonNode.Parse("1e400"),
                kind == JsonValueKind.String ? new JsonObject() : JsonValue.Create("lots"),
                kind is JsonValueKind.True or JsonValueKind.False ? JsonValue.Create("maybe") : JsonNode.Parse("[1]"),
            };
            if (kind == JsonValueKind.String)
            {
                replacements.Add(JsonValue.Create(new string('x', 100_000)));
                if (EnumNames.Contains(value!.GetValue<string>()))
                {
                    replacements.Add(JsonValue.Create("NOT_A_VALUE"));
                }
            }

            if (key is string name && MoneyLeaves.Contains(name) && kind == JsonValueKind.Number)
            {
                replacements.Add(JsonValue.Create(1.1234567m));
                replacements.Add(JsonValue.Create(1_000_000_000_000.01m));
                replacements.Add(JsonValue.Create(-5m));
            }

            foreach (var replacement in replacements)
            {
                var copy = JsonNode.Parse(sample)!;
                var copies = new List<(JsonNode Parent, object Key, JsonNode? Value)>();
                Collect(copy, copies);
                var (parent, at, _) = copies[i];
                if (parent is JsonObject obj)
                {
                    obj[(string)at] = replacement;
                }
                else
                {
                    ((JsonArray)parent)[(int)at] = replacement;
                }

                yield return copy.ToJsonString();
            }
        }
    }

    private static void Collect(JsonNode node, List<(JsonNode Parent, object Key, JsonNode? Value)> leaves)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (value is JsonObject or JsonArray)
                    {
                        Collect(value, leaves);
                    }
                    else
                    {
                        leaves.Add((obj, key, value));
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonObject or JsonArray)
                    {
                        Collect(array[i]!, leaves);
                    }
                    else
                    {
                        leaves.Add((array, i, array[i]));
                    }
                }

                break;
        }
    }

    private static string Path(Route route, string? badParameter, string? badValue) =>
        route.Parameters.Aggregate(route.Pattern, (path, parameter) =>
            path.Replace("{" + parameter + "}", parameter == badParameter ? badValue : ValidRouteValues.GetValueOrDefault(parameter, "FZ-OTHER"), StringComparison.Ordinal));

    /// <summary>Null when the answer is 4xx problem+json; otherwise what was sent and what came back.</summary>
    private static async Task<string?> ProblemOf(HttpClient http, FuzzRequest fuzz)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), new Uri(fuzz.Path, UriKind.Relative));
        if (fuzz.Body is not null)
        {
            request.Content = new StringContent(fuzz.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(fuzz.ContentType);
        }

        using var response = await http.SendAsync(request);
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (status is >= 400 and < 500 && mediaType == "application/problem+json")
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync();
        var sent = fuzz.Body is { Length: > 200 } text ? text[..200] + "..." : fuzz.Body;
        return $"{fuzz.Method} {(fuzz.Path.Length > 200 ? fuzz.Path[..200] + "..." : fuzz.Path)} [{fuzz.ContentType}] {sent} -> {status} {mediaType}: {(body.Length > 300 ? body[..300] : body)}";
    }

    /// <summary>The state reads once the journal's readers have caught up, so read models are compared settled.</summary>
    private static async Task<string> SnapshotAsync(HttpClient http)
    {
        await Eventually.Holds(
            async () => (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/journal/lag", UriKind.Relative))).GetProperty("events").GetInt64() == 0,
            TimeSpan.FromSeconds(20),
            "the journal's readers caught up");
        var reads = new StringBuilder();
        foreach (var path in StateReads)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            reads.Append(path).Append(' ').Append((int)response.StatusCode).Append(' ');
            reads.AppendLine(response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : string.Empty);
        }

        return reads.ToString();
    }

    /// <summary><see cref="ReadsBody"/>: a JSON body; <see cref="ReadsText"/>: a body in another format (EDI X12).</summary>
    private sealed record Route(string Method, string Pattern, string Name, string[] Parameters, bool ReadsBody, bool ReadsText, string[] QueryParameters);

    private sealed record FuzzRequest(string Method, string Path, string? Body, string ContentType);
}
