using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// A PostgreSQL restart under load (issue 9, point 3): two silos and the API take carrier events from concurrent senders
/// while the database stops and starts again. While it is away the API answers 503 with Retry-After, never another 5xx;
/// senders resend what was not acknowledged; afterwards every acknowledged event is on its shipment's timeline once and
/// nothing that was never sent is. The test stops its own PostgreSQL server, so it does not share the collection's.
/// </summary>
public sealed class DatabaseRestartProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Senders = 6;
    private const int ShipmentsPerSender = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly PostgresServer postgres = PostgresServer.Dedicated();
    private readonly ConcurrentDictionary<string, string> acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> sent = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> failures = new();
    private int unavailable;

    public Task InitializeAsync() => postgres.InitializeAsync();

    public Task DisposeAsync() => postgres.DisposeAsync();

    [Fact]
    public async Task While_the_database_restarts_the_api_answers_503_with_retry_after_and_no_acknowledged_event_is_lost()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s  {what}");
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("db_restart"));
        await using var first = await cluster.StartSiloAsync("silo-1");
        await using var second = await cluster.StartSiloAsync("silo-2");
        await using var api = await cluster.StartApiAsync();
        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(45));
        await ExpectCreatedAsync(await http.PostAsJsonAsync(new Uri("api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-DBR")));
        var shipments = Enumerable.Range(0, Senders * ShipmentsPerSender).Select(index => $"S-DBR-{index:D2}").ToArray();
        foreach (var shipment in shipments)
        {
            await ExpectCreatedAsync(await http.PostAsJsonAsync(new Uri("api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipment, "C-DBR")));
        }

        Phase("two silos, the API and 24 shipments ready");
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, Senders)
            .Select(sender => Task.Run(() => SendAsync(http, sender, shipments.Skip(sender * ShipmentsPerSender).Take(ShipmentsPerSender).ToArray(), stop.Token)))
            .ToArray();

        await UntilAsync(() => acknowledged.Count >= 100, "events acknowledged before the outage", api);
        await postgres.StopServerAsync();
        Phase($"database stopped after {acknowledged.Count} acknowledged events");
        await UntilAsync(() => Volatile.Read(ref unavailable) >= 20, "503 answers while the database is away", api);
        await postgres.StartServerAsync();
        var beforeRestart = acknowledged.Count;
        Phase($"database started again after {Volatile.Read(ref unavailable)} answers of 503");
        await UntilAsync(() => acknowledged.Count >= beforeRestart + 100, "events acknowledged after the restart", api);
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        Phase($"{acknowledged.Count} events acknowledged of {sent.Count} sent");

        foreach (var shipment in shipments)
        {
            var view = await http.GetFromJsonAsync<JsonObject>(new Uri($"api/v1/shipments/{shipment}", UriKind.Relative));
            var timeline = view!["timeline"]!.AsArray().Select(entry => (string)entry!["eventId"]!).ToList();
            var missing = acknowledged.Where(pair => pair.Value == shipment && !timeline.Contains(pair.Key)).Select(pair => pair.Key).ToList();
            var twice = timeline.GroupBy(id => id, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
            var foreign = timeline.Where(id => !sent.ContainsKey(id)).ToList();
            if (missing.Count + twice.Count + foreign.Count > 0)
            {
                failures.Enqueue($"{shipment}: missing [{string.Join(", ", missing)}], twice [{string.Join(", ", twice)}], never sent [{string.Join(", ", foreign)}]");
            }
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failures:\n{string.Join('\n', failures.Take(30))}\n--- api\n{api.Output}");
    }

    /// <summary>
    /// One partner's sender: each request (two events for one shipment) is sent until acknowledged; a 503 must carry
    /// Retry-After and is sent again after it, anything else outside 2xx is a failure. Stops between requests when told to.
    /// </summary>
    private async Task SendAsync(HttpClient http, int sender, string[] shipments, CancellationToken stop)
    {
        for (var request = 0; !stop.IsCancellationRequested; request++)
        {
            var shipment = shipments[request % shipments.Length];
            var ids = new[] { $"E-{sender}-{request}-a", $"E-{sender}-{request}-b" };
            foreach (var id in ids)
            {
                sent[id] = shipment;
            }

            var body = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject
            {
                ["eventId"] = id, ["carrierId"] = "CARR-1", ["shipmentId"] = shipment, ["milestone"] = "InTransit",
                ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
            })]);
            while (true)
            {
                HttpResponseMessage response;
                try
                {
                    response = await http.PostAsJsonAsync(new Uri("api/v1/carrier-events", UriKind.Relative), body, CancellationToken.None);
                }
                catch (HttpRequestException)
                {
                    continue;
                }
                catch (TaskCanceledException)
                {
                    failures.Enqueue($"{shipment}: a request got no answer within the client's timeout");
                    continue;
                }

                using (response)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken.None))!["results"]!.AsArray();
                        foreach (var result in results.Where(result => (string?)result!["outcome"] is "Accepted" or "Duplicate"))
                        {
                            acknowledged[(string)result!["eventId"]!] = shipment;
                        }

                        break;
                    }

                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } retryAfter)
                    {
                        // A well-behaved partner waits as long as the grid asked before sending again.
                        Interlocked.Increment(ref unavailable);
                        await Task.Delay(retryAfter, CancellationToken.None);
                        continue;
                    }

                    failures.Enqueue($"{shipment}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                    if (failures.Count > 50)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>Waits for <paramref name="condition"/>; a timeout fails with what the senders saw and the API's log.</summary>
    private async Task UntilAsync(Func<bool> condition, string what, GridProcess api)
    {
        try
        {
            await Eventually.Holds(() => Task.FromResult(condition()), Deadline, what);
        }
        catch (TimeoutException timeout)
        {
            throw new Xunit.Sdk.XunitException(
                $"{timeout.Message} ({acknowledged.Count} acknowledged, {Volatile.Read(ref unavailable)} answers of 503)\n{string.Join('\n', failures.Take(20))}\n--- api\n{api.Output}");
        }
    }

    private static async Task ExpectCreatedAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
    }
}
