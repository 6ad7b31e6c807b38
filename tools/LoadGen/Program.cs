using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

// Drives the grid through its API as integration teams do: registers customers and carriers, books shipments, records
// their charges and sends their carrier events (pickup, in transit, delivered, proof of delivery), each phase flat out
// at the given concurrency; then waits until every follow-up is visible (journal drained, every invoice posted in the
// customers' lists). Prints the rate of each phase, the journal's largest lag seen while events were sent, and the
// time from the last acknowledged event until the follow-ups all showed.
//
// Every request carries an API key, as partners' do. The admin key in SHIPMENTGRID_API_KEY (the API's
// Auth:BootstrapKey, or the key the embedded grid prints at start) registers customers and carriers and mints the
// run's keys: an operations key books and reads, a finance key records charges, and each carrier's events go with
// that carrier's own key (carrier:<id>), so a batch holds one carrier's events. 429 (a key's rate limit) is back
// pressure like 503: counted, waited out as Retry-After says, sent again.
//
// usage: SHIPMENTGRID_API_KEY=<admin key> LoadGen <api base url> <shipments> [concurrency=64] [events per request=100] [route=direct|stream] [customers=20] [carriers=5] [milestone steps=4]
if (Environment.GetEnvironmentVariable("SHIPMENTGRID_API_KEY") is not { Length: > 0 } adminKey)
{
    await Console.Error.WriteLineAsync("Set SHIPMENTGRID_API_KEY to an admin API key (Auth:BootstrapKey, or the key the embedded grid prints at start).");
    return 2;
}

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
long rateLimited = 0;
var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };

string CustomerId(int index) => $"LG{run}-C{index % customers:D3}";
string CarrierId(int index) => $"LG{run}-K{index % carriers:D2}";
string ShipmentId(int index) => $"LG{run}-S{index:D7}";

await Phase("customers", customers, 1, async index => await Send(adminKey, HttpMethod.Post, "api/v1/customers", new JsonObject
{
    ["customerId"] = CustomerId(index), ["name"] = $"Load customer {index}", ["billingCurrency"] = "USD",
    ["creditLimit"] = 1_000_000_000m, ["paymentTermsDays"] = 30,
}));

await Phase("carriers", carriers, 1, async index => await Send(adminKey, HttpMethod.Put, $"api/v1/carriers/{CarrierId(index)}", new JsonObject
{
    ["carrierId"] = CarrierId(index), ["scac"] = "LGEN", ["name"] = $"Load carrier {index}",
    ["milestoneCodes"] = new JsonObject(), ["exceptionCodes"] = new JsonObject(), ["chargeCodes"] = new JsonObject(),
    ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
}));

var operationsKey = await MintAsync("operations", "operations");
var financeKey = await MintAsync("finance", "finance");
var carrierKeys = new string[carriers];
await Phase("carrier keys", carriers, 1, async index => carrierKeys[index] = await MintAsync(CarrierId(index), $"carrier:{CarrierId(index)}"));

// Planned for now, happened in the last days: carrier events may not lie in the future.
var bookedAt = DateTimeOffset.UtcNow;
var pickedUpAt = bookedAt.AddDays(-3);
await Phase("bookings", shipments, 1, async index => await Send(operationsKey, HttpMethod.Post, "api/v1/shipments", new JsonObject
{
    ["shipmentId"] = ShipmentId(index), ["customerId"] = CustomerId(index), ["carrierId"] = CarrierId(index),
    ["origin"] = new JsonObject { ["city"] = "Chicago", ["state"] = "IL", ["country"] = "US" },
    ["destination"] = new JsonObject { ["city"] = "Dallas", ["state"] = "TX", ["country"] = "US" },
    ["references"] = new JsonObject { ["proNumber"] = $"PRO-{ShipmentId(index)}", ["billOfLading"] = $"BOL-{ShipmentId(index)}" },
    ["plannedPickup"] = bookedAt.AddHours(1), ["plannedDelivery"] = bookedAt.AddDays(2),
    ["serviceFlags"] = new JsonObject { ["specialHandling"] = false },
}));

await Phase("charges", shipments * 2, 1, async index => await Send(financeKey, HttpMethod.Post, $"api/v1/shipments/{ShipmentId(index / 2)}/charges", new JsonObject
{
    ["chargeId"] = $"{ShipmentId(index / 2)}-{(index % 2 == 0 ? "LH" : "FS")}", ["type"] = index % 2 == 0 ? "Linehaul" : "FuelSurcharge",
    ["amount"] = new JsonObject { ["amount"] = index % 2 == 0 ? 1200.00m : 180.00m, ["currency"] = "USD" },
    ["source"] = "CarrierInvoice", ["sourceReference"] = $"210-{index}",
}));

// Every shipment's four milestones, a step at a time so each shipment's events arrive in order, as a carrier sends them;
// a batch holds one carrier's events, sent with that carrier's key.
string[] allMilestones = ["PickedUp", "InTransit", "Delivered", "ProofOfDelivery"];
string[] milestones = [.. allMilestones.Take(stepsSent)];
var steps = milestones.Select((milestone, step) => Enumerable.Range(0, shipments)
    .GroupBy(index => index % carriers)
    .SelectMany(carrier => carrier.Chunk(batchSize).Select(chunk => (Key: carrierKeys[carrier.Key], Events: chunk.Select(index => new JsonObject
    {
        ["eventId"] = $"{ShipmentId(index)}-{step}", ["carrierId"] = CarrierId(index), ["shipmentId"] = ShipmentId(index),
        ["milestone"] = milestone, ["occurredAt"] = pickedUpAt.AddHours(step * 10),
    }).ToArray())))
    .ToArray()).ToArray();
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
        var answer = await Send(batches[index].Key, HttpMethod.Post, path, new JsonArray([.. batches[index].Events]));
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
Console.WriteLine(FormattableString.Invariant($"events: {shipments * milestones.Length} in {lastAcknowledged.TotalSeconds:F1} s = {shipments * milestones.Length / lastAcknowledged.TotalSeconds:F0}/s via {route}; largest journal lag seen while sending: {maxLag} events; {backPressure} answers 503 and {rateLimited} answers 429 over the run (sent again)"));

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

async Task<string> MintAsync(string partner, string role)
{
    var minted = await Send(adminKey, HttpMethod.Post, "api/v1/keys", new JsonObject
    {
        ["partner"] = $"LG{run}-{partner}", ["roles"] = new JsonArray(role), ["description"] = "Minted by LoadGen for one run.",
    });
    return (string?)minted?["token"] ?? throw new InvalidOperationException($"minting a {role} key answered no token");
}

async Task<JsonNode?> Send(string key, HttpMethod method, string requestPath, JsonNode? body)
{
    for (var attempt = 1; ; attempt++)
    {
        using var request = new HttpRequestMessage(method, requestPath) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<JsonNode>();
        }

        // 503 is back pressure (journal saturated, a grain failing over), 429 the key's rate limit: wait as told and send
        // the same again (every write is idempotent by its id).
        if ((int)response.StatusCode is 503 or 429 && attempt < 50)
        {
            if ((int)response.StatusCode == 503)
            {
                Interlocked.Increment(ref backPressure);
            }
            else
            {
                Interlocked.Increment(ref rateLimited);
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            continue;
        }

        throw new InvalidOperationException($"{method} {requestPath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

async Task<long> LagAsync() => (long)(await Send(operationsKey, HttpMethod.Get, "api/v1/journal/lag", null))!["events"]!;

async Task<int> PostedAsync()
{
    var posted = 0;
    foreach (var customer in Enumerable.Range(0, customers).Select(CustomerId))
    {
        string? after = null;
        do
        {
            var page = (await Send(operationsKey, HttpMethod.Get, $"api/v1/customers/{customer}/shipments?limit=500" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}"), null))!;
            posted += page["items"]!.AsArray().Count(item => (string?)item?["invoiceStatus"] == "Posted");
            after = (string?)page["next"];
        }
        while (after is not null);
    }

    return posted;
}
