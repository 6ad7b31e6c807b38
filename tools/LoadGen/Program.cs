using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

// Drives the grid through its API as integration teams do: registers customers, books shipments, records their
// charges and sends their carrier events (pickup, in transit, delivered, proof of delivery), each phase flat out at the
// given concurrency; then waits until every follow-up is visible (journal drained, every invoice posted in the
// customers' lists). Prints the rate of each phase, the journal's largest lag seen while events were sent, and the
// time from the last acknowledged event until the follow-ups all showed.
//
// usage: LoadGen <api base url> <shipments> [concurrency=64] [events per request=100] [route=direct|stream] [customers=20] [carriers=5] [milestone steps=4]
var api = new Uri(args.Length > 0 ? args[0] : "http://localhost:5080");
var shipments = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
var batchSize = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
var route = args.Length > 4 ? args[4] : "direct";
var customers = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 20;
var carriers = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 5;

// Milestone steps sent: 4 ends in proof of delivery and invoicing; fewer measures following events without invoices.
var stepsSent = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 4;
long backPressure = 0;
var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };

string CustomerId(int index) => $"LG{run}-C{index % customers:D3}";
string CarrierId(int index) => $"LG{run}-K{index % carriers:D2}";
string ShipmentId(int index) => $"LG{run}-S{index:D7}";

await Phase("customers", customers, 1, async index => await Send(HttpMethod.Post, "api/v1/customers", new JsonObject
{
    ["customerId"] = CustomerId(index), ["name"] = $"Load customer {index}", ["billingCurrency"] = "USD",
    ["creditLimit"] = 1_000_000_000m, ["paymentTermsDays"] = 30,
}));

// Planned for now, happened in the last days: carrier events may not lie in the future.
var bookedAt = DateTimeOffset.UtcNow;
var pickedUpAt = bookedAt.AddDays(-3);
await Phase("bookings", shipments, 1, async index => await Send(HttpMethod.Post, "api/v1/shipments", new JsonObject
{
    ["shipmentId"] = ShipmentId(index), ["customerId"] = CustomerId(index), ["carrierId"] = CarrierId(index),
    ["origin"] = new JsonObject { ["city"] = "Chicago", ["state"] = "IL", ["country"] = "US" },
    ["destination"] = new JsonObject { ["city"] = "Dallas", ["state"] = "TX", ["country"] = "US" },
    ["references"] = new JsonObject { ["proNumber"] = $"PRO-{ShipmentId(index)}", ["billOfLading"] = $"BOL-{ShipmentId(index)}" },
    ["plannedPickup"] = bookedAt.AddHours(1), ["plannedDelivery"] = bookedAt.AddDays(2),
    ["serviceFlags"] = new JsonObject { ["specialHandling"] = false },
}));

await Phase("charges", shipments * 2, 1, async index => await Send(HttpMethod.Post, $"api/v1/shipments/{ShipmentId(index / 2)}/charges", new JsonObject
{
    ["chargeId"] = $"{ShipmentId(index / 2)}-{(index % 2 == 0 ? "LH" : "FS")}", ["type"] = index % 2 == 0 ? "Linehaul" : "FuelSurcharge",
    ["amount"] = new JsonObject { ["amount"] = index % 2 == 0 ? 1200.00m : 180.00m, ["currency"] = "USD" },
    ["source"] = "CarrierInvoice", ["sourceReference"] = $"210-{index}",
}));

// Every shipment's four milestones, a step at a time so each shipment's events arrive in order, as a carrier sends them.
string[] allMilestones = ["PickedUp", "InTransit", "Delivered", "ProofOfDelivery"];
string[] milestones = [.. allMilestones.Take(stepsSent)];
var steps = milestones.Select((milestone, step) => Enumerable.Range(0, shipments).Select(index => new JsonObject
{
    ["eventId"] = $"{ShipmentId(index)}-{step}", ["carrierId"] = CarrierId(index), ["shipmentId"] = ShipmentId(index),
    ["milestone"] = milestone, ["occurredAt"] = pickedUpAt.AddHours(step * 10),
}).Chunk(batchSize).ToArray()).ToArray();
var path = route == "stream" ? "api/v1/carrier-events/stream" : "api/v1/carrier-events";
long maxLag = 0;
using var lagWatch = new CancellationTokenSource();
var lagWatcher = Task.Run(async () =>
{
    while (!lagWatch.IsCancellationRequested)
    {
        maxLag = Math.Max(maxLag, await LagAsync());
        await Task.Delay(500, CancellationToken.None);
    }
});

var eventsWatch = Stopwatch.StartNew();
for (var step = 0; step < milestones.Length; step++)
{
    var batches = steps[step];
    await Phase($"events ({milestones[step]})", batches.Length, batchSize, async index =>
    {
        var answer = await Send(HttpMethod.Post, path, new JsonArray([.. batches[index]]));
        // A duplicate is an event a request answered 503 had already applied before it was sent again.
        foreach (var refused in answer!["results"]!.AsArray().Where(result => (string?)result?["outcome"] is not ("Accepted" or "Queued" or "Duplicate")))
        {
            throw new InvalidOperationException($"an event was not taken: {refused!.ToJsonString()}");
        }
    });
}

var lastAcknowledged = eventsWatch.Elapsed;
await lagWatch.CancelAsync();
await lagWatcher;
Console.WriteLine(FormattableString.Invariant($"events: {shipments * milestones.Length} in {lastAcknowledged.TotalSeconds:F1} s = {shipments * milestones.Length / lastAcknowledged.TotalSeconds:F0}/s via {route}; largest journal lag seen while sending: {maxLag} events; {backPressure} answers 503 (sent again)"));

// The journal drained: every event followed, its read-model rows written (invoicing may still be under way).
while (await LagAsync() > 0)
{
    await Task.Delay(100);
}

var drained = eventsWatch.Elapsed;
Console.WriteLine(FormattableString.Invariant($"journal drained {(drained - lastAcknowledged).TotalSeconds:F1} s after the last acknowledged event: {shipments * milestones.Length / drained.TotalSeconds:F0} events/s sent and followed"));

// Follow-ups: the journal drained and every shipment listed as invoiced and posted, within ten minutes.
while (milestones.Length == 4 && (await LagAsync() > 0 || await PostedAsync() < shipments))
{
    if (eventsWatch.Elapsed - lastAcknowledged > TimeSpan.FromMinutes(10))
    {
        Console.Error.WriteLine("follow-ups: not all visible ten minutes after the last acknowledged event");
        return 1;
    }

    await Task.Delay(250);
}

Console.WriteLine(FormattableString.Invariant($"follow-ups: every invoice posted and listed {(eventsWatch.Elapsed - lastAcknowledged).TotalSeconds:F1} s after the last acknowledged event"));
return 0;

async Task Phase(string name, int count, int unitsPerItem, Func<int, Task> send)
{
    var watch = Stopwatch.StartNew();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(async _ =>
    {
        for (var index = Interlocked.Increment(ref next); index < count; index = Interlocked.Increment(ref next))
        {
            await send(index);
        }
    }));
    Console.WriteLine(FormattableString.Invariant($"{name}: {count} requests ({count * unitsPerItem} items) in {watch.Elapsed.TotalSeconds:F1} s = {count / watch.Elapsed.TotalSeconds:F0} requests/s"));
}

async Task<JsonNode?> Send(HttpMethod method, string requestPath, JsonNode body)
{
    for (var attempt = 1; ; attempt++)
    {
        using var request = new HttpRequestMessage(method, requestPath) { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<JsonNode>();
        }

        // 503 is back pressure (journal saturated, a grain failing over): wait as told and send the same again.
        if ((int)response.StatusCode == 503 && attempt < 50)
        {
            Interlocked.Increment(ref backPressure);
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            continue;
        }

        throw new InvalidOperationException($"{method} {requestPath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

async Task<long> LagAsync() => (long)(await http.GetFromJsonAsync<JsonObject>("api/v1/journal/lag"))!["events"]!;

async Task<int> PostedAsync()
{
    var posted = 0;
    foreach (var customer in Enumerable.Range(0, customers).Select(CustomerId))
    {
        string? after = null;
        do
        {
            var page = (await http.GetFromJsonAsync<JsonObject>($"api/v1/customers/{customer}/shipments?limit=500" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}")))!;
            posted += page["items"]!.AsArray().Count(item => (string?)item?["invoiceStatus"] == "Posted");
            after = (string?)page["next"];
        }
        while (after is not null);
    }

    return posted;
}
