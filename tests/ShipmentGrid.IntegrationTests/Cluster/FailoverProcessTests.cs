using System.Globalization;
using System.Text.RegularExpressions;
using ShipmentGrid.Customers;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// Failover with the default membership settings: after kill -9 of the silo hosting a shipment, the API serves that
/// shipment again from the survivor, while traffic keeps coming, without flooding the survivors' logs.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed partial class FailoverProcessTests(PostgresServer postgres, ITestOutputHelper output)
{
    // The defaults aim at 5 s (BENCHMARKS.md); the bound is generous so a busy CI machine does not fail the run.
    private static readonly TimeSpan ServedAgainBound = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private const int ShipmentCount = 20;
    private const int TrafficWorkers = 8;
    private const int MaxSurvivorLogLines = 2000;
    private const int SiloStatusDead = 6;

    [Fact]
    public async Task The_api_serves_a_killed_silos_shipment_again_within_the_bound_and_the_survivors_log_stays_bounded()
    {
        var connectionString = await postgres.CreateDatabaseAsync("failover_time");
        var cluster = await ClusterNode.MigrateAsync(connectionString);
        await using var first = await cluster.StartSiloAsync("silo-1");
        await using var second = await cluster.StartSiloAsync("silo-2");
        await using var api = await cluster.StartApiAsync();
        using var host = await cluster.StartClientAsync();
        var client = ClusterNode.Client(host);
        var management = client.GetGrain<IManagementGrain>(0);
        await Eventually.Holds(async () => (await management.GetHosts(onlyActive: true)).Count == 2, Deadline, "both silos active");

        await client.GetGrain<ICustomerGrain>("CUST-1").Register(SampleBookings.Customer());
        var shipmentIds = Enumerable.Range(1, ShipmentCount).Select(i => $"SHP-FO-{i}").ToList();
        foreach (var id in shipmentIds)
        {
            Assert.Equal(CommandOutcome.Applied, (await client.GetGrain<IShipmentGrain>(id).Book(SampleBookings.Booking(id))).Outcome);
        }

        var target = shipmentIds[0];
        var hostingSilo = await management.GetActivationAddress(client.GetGrain<IShipmentGrain>(target));
        Assert.NotNull(hostingSilo);
        var (victim, survivor) = hostingSilo.Endpoint.Port == first.SiloPort ? (first, second) : (second, first);

        using var http = TestKeys.AdminClient(api.BaseAddress, TimeSpan.FromSeconds(2));
        using var stopTraffic = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, TrafficWorkers).Select(worker => KeepTrafficAsync(http, shipmentIds, worker, stopTraffic.Token)).ToList();

        var survivorLinesBefore = survivor.LineCount;
        var apiLinesBefore = api.LineCount;
        var killedAt = DateTimeOffset.UtcNow;
        await victim.KillAsync();

        await Eventually.Holds(
            async () =>
            {
                using var response = await http.GetAsync(new Uri($"api/v1/shipments/{target}", UriKind.Relative));
                return response.IsSuccessStatusCode;
            },
            ServedAgainBound,
            $"the API serving {target} after kill -9 of its silo");
        var servedAfter = DateTimeOffset.UtcNow - killedAt;

        var declaredDeadAt = await Eventually.Succeeds(
            async () => await DeathVoteTimeAsync(connectionString, cluster.ClusterId, victim.SiloPort)
                ?? throw new InvalidOperationException("victim not yet dead in the membership table"),
            Deadline,
            "the killed silo declared dead in the membership table");
        await stopTraffic.CancelAsync();
        var requestCount = (await Task.WhenAll(traffic)).Sum();

        var survivorLines = survivor.LinesFrom(survivorLinesBefore).Concat(api.LinesFrom(apiLinesBefore)).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"declared dead {(declaredDeadAt - killedAt).TotalSeconds:F1} s after kill -9 (membership table); " +
            $"served again through the API {servedAfter.TotalSeconds:F1} s after kill -9; " +
            $"{requestCount} API requests during failover; {survivorLines.Count} log lines from the survivor and the API"));
        foreach (var (category, count) in survivorLines.Select(Category).CountBy(c => c).OrderByDescending(p => p.Value).Take(8))
        {
            output.WriteLine($"  {count,6} {category}");
        }

        Assert.True(survivorLines.Count < MaxSurvivorLogLines, $"{survivorLines.Count} log lines during failover:\n{string.Join('\n', survivorLines.Take(200))}");
        Assert.False(survivor.HasExited);
    }

    /// <summary>
    /// Steady traffic through the API, as it keeps coming during a failover: reads of every shipment, and carrier
    /// events queued in the journal through the stream endpoint (each a new event id, so each is applied and followed up).
    /// </summary>
    private static async Task<int> KeepTrafficAsync(HttpClient http, List<string> shipmentIds, int worker, CancellationToken stop)
    {
        var count = 0;
        for (var i = worker; !stop.IsCancellationRequested; i += TrafficWorkers)
        {
            var shipmentId = shipmentIds[i % shipmentIds.Count];
            try
            {
                using var response = i % 2 == 0
                    ? await http.GetAsync(new Uri($"api/v1/shipments/{shipmentId}", UriKind.Relative), stop)
                    : await http.PostAsync(
                        new Uri("api/v1/carrier-events/stream", UriKind.Relative),
                        new StringContent(
                            $$"""[{"eventId":"{{shipmentId}}-T{{i}}","carrierId":"CARR-1","shipmentId":"{{shipmentId}}","milestone":"InTransit","occurredAt":"2026-12-01T10:00:00Z"}]""",
                            System.Text.Encoding.UTF8,
                            "application/json"),
                        stop);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // A call lost to the failover is still traffic; the test measures the API's recovery separately.
            }

            count++;
        }

        return count;
    }

    /// <summary>The survivor's death vote on the killed silo, stamped by the voting silo's clock.</summary>
    private static async Task<DateTimeOffset?> DeathVoteTimeAsync(string connectionString, string clusterId, int siloPort)
    {
        var rows = await Sql.QueryAsync(
            connectionString,
            "SELECT status, suspect_times FROM shipmentgrid.membership_silo WHERE deployment_id = @cluster AND port = @port",
            reader => (Status: reader.GetInt32(0), SuspectTimes: reader.IsDBNull(1) ? "" : reader.GetString(1)),
            ("cluster", clusterId),
            ("port", siloPort));
        var row = Assert.Single(rows);
        if (row.Status != SiloStatusDead)
        {
            return null;
        }

        return VoteTime().Matches(row.SuspectTimes)
            .Select(match => DateTimeOffset.ParseExact(match.Groups[1].Value, "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            .DefaultIfEmpty(DateTimeOffset.UtcNow)
            .Max();
    }

    private static string Category(string line)
    {
        var match = LogCategory().Match(line);
        return match.Success ? match.Groups[1].Value : "(continuation)";
    }

    [GeneratedRegex(@"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex VoteTime();

    [GeneratedRegex(@"^\[\d{2}:\d{2}:\d{2} \w{3}\] ([^:]+):", RegexOptions.CultureInvariant)]
    private static partial Regex LogCategory();
}
