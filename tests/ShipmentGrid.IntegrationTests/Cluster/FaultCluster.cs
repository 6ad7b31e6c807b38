using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// The fault fixture of the process-level tests: a PostgreSQL-mode cluster of N <c>Silo</c> processes and the API
/// on its own database, hurt the way production gets hurt: one silo killed with SIGKILL, or the whole cluster stopped
/// with SIGTERM and started again on the same database. Clients talk to it as partners do (resend until
/// acknowledged) and as operators do (reads, each of which must answer without a server error). Every process it
/// ever started keeps its output, so a failure can show the log of a silo that is already gone.
/// </summary>
internal sealed class FaultCluster : IAsyncDisposable
{
    /// <summary>Generous against the 15 s the issue asks for: the machine running the suite may be loaded.</summary>
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private readonly ClusterNode node;
    private readonly int siloCount;
    private readonly IReadOnlyDictionary<string, string>? apiSettings;
    private readonly IReadOnlyDictionary<string, string>? siloSettings;
    private readonly IsolatedNetwork? network;
    private readonly List<GridProcess> everyProcess = [];
    private readonly ConcurrentQueue<string> serverErrors = new();
    private List<GridProcess> silos = [];
    private GridProcess? api;
    private HttpClient? http;
    private int generation;
    private int restarts;

    private FaultCluster(
        ClusterNode node, int siloCount, IReadOnlyDictionary<string, string>? apiSettings, IReadOnlyDictionary<string, string>? siloSettings, IsolatedNetwork? network)
    {
        this.node = node;
        this.siloCount = siloCount;
        this.apiSettings = apiSettings;
        this.siloSettings = siloSettings;
        this.network = network;
    }

    /// <summary>The ERP ledger and every other table, on the schema the providers use.</summary>
    public string ConnectionString => new PostgresSettings(node.ConnectionString, PostgresSettings.DefaultSchema).ProviderConnectionString;

    /// <summary>The API of the current generation, for a test's own clients (partners sending at their own pace).</summary>
    public Uri ApiAddress => api?.BaseAddress ?? throw new InvalidOperationException("The cluster is not running.");

    /// <summary>The silos of the current generation; a killed one stays in the list, exited.</summary>
    public IReadOnlyList<GridProcess> Silos => silos;

    /// <summary>Reads that answered 5xx (method, path, status, body): each one is a failure of the grid.</summary>
    public IReadOnlyCollection<string> ServerErrors => serverErrors;

    private IsolatedNetwork Network => network ?? throw new InvalidOperationException("This cluster was started without its own network.");

    private HttpClient Http => http ?? throw new InvalidOperationException("The cluster is not running.");

    /// <summary>
    /// Creates a database, migrates it and starts <paramref name="silos"/> silos and the API; every API process of the
    /// cluster gets <paramref name="apiSettings"/> (environment variables, e.g. a webhook allow-list) on top of the defaults,
    /// every silo <paramref name="siloSettings"/>. With <paramref name="network"/> each silo slot runs in a network namespace
    /// of its own (the API stays on the host), so it can be cut off and healed.
    /// </summary>
    public static async Task<FaultCluster> StartAsync(
        PostgresServer postgres,
        string database,
        int silos,
        IReadOnlyDictionary<string, string>? apiSettings = null,
        IReadOnlyDictionary<string, string>? siloSettings = null,
        IsolatedNetwork? network = null)
    {
        var cluster = new FaultCluster(await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync(database)), silos, apiSettings, siloSettings, network);
        await cluster.StartProcessesAsync();
        return cluster;
    }

    /// <summary>SIGKILL of one silo: no graceful shutdown, no deregistration; the survivors must take over.</summary>
    public Task KillSiloAsync(int index) => silos[index].KillAsync();

    /// <summary>SIGKILL of one silo once <paramref name="after"/> completes, e.g. half-way through what a test sends.</summary>
    public async Task KillSiloAsync(int index, Task after)
    {
        ArgumentNullException.ThrowIfNull(after);
        await after;
        await KillSiloAsync(index);
    }

    /// <summary>A new silo process in slot <paramref name="index"/> (in its namespace), once the one there has exited or was stopped.</summary>
    public async Task RestartSiloAsync(int index)
    {
        var started = await StartSiloAsync(index, $"silo-{index + 1}.{generation}.r{++restarts}");
        everyProcess.Add(started);
        silos[index] = started;
    }

    /// <summary>SIGTERM to the silo in slot <paramref name="index"/>, which must exit within the stop deadline, then a new one there.</summary>
    public async Task ReplaceSiloGracefullyAsync(int index)
    {
        await silos[index].TerminateAsync();
        var exitCode = await silos[index].WaitForExitAsync(StopDeadline);
        Assert.True(exitCode == 0, $"{silos[index].Name} exited with {exitCode} after SIGTERM\n{Logs()}");
        await RestartSiloAsync(index);
    }

    /// <summary>Cuts slot <paramref name="index"/>'s namespace off the network: its silo reaches neither its peers nor PostgreSQL.</summary>
    public Task IsolateSiloAsync(int index) => Network.IsolateAsync(index);

    public Task HealSiloAsync(int index) => Network.HealAsync(index);

    /// <summary>What went wrong in the grid itself, for a test's list of failures: each server error and each exited silo.</summary>
    public IEnumerable<string> Faults() =>
        serverErrors.Select(error => $"server error: {error}")
            .Concat(silos.Where(silo => silo.HasExited).Select(silo => $"{silo.Name} exited (cluster generation {generation})"));

    /// <summary>
    /// A clean restart of the whole cluster: SIGTERM to the API and then to every silo, each must exit within the stop
    /// deadline, and then the same number of silos and a new API start on the same database.
    /// </summary>
    public async Task RestartAsync()
    {
        http?.Dispose();
        http = null;
        var stopped = await Task.WhenAll(
            new[] { api! }.Concat(silos.Where(silo => !silo.HasExited)).Select(async process =>
            {
                await process.TerminateAsync();
                try
                {
                    await process.WaitForExitAsync(StopDeadline);
                    return null;
                }
                catch (OperationCanceledException)
                {
                    await process.KillAsync();
                    return process.Name;
                }
            }));
        var hung = stopped.OfType<string>().ToArray();
        Assert.True(hung.Length == 0, $"Not stopped within {StopDeadline} of SIGTERM (then killed): {string.Join(", ", hung)}\n{Logs()}");
        await StartProcessesAsync();
    }

    /// <summary>
    /// A partner's sender: POST until the grid acknowledges (2xx), riding out failovers and restarts. A refusal (4xx)
    /// is final and fails the test at once; so does a carrier event the grid answered as rejected. Returns the answer.
    /// </summary>
    public Task<string> SendUntilAcknowledgedAsync(string path, JsonNode body, TimeSpan deadline) =>
        Eventually.Succeeds(
            async () =>
            {
                using var response = await Http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    throw new Xunit.Sdk.XunitException($"POST {path} refused with {(int)response.StatusCode}: {text}\nbody: {body.ToJsonString()}");
                }

                if (response.IsSuccessStatusCode && path.StartsWith("api/v1/carrier-events", StringComparison.Ordinal)
                    && JsonNode.Parse(text)?["results"]?.AsArray().FirstOrDefault(result => (string?)result?["outcome"] == "Rejected") is { } rejected)
                {
                    throw new Xunit.Sdk.XunitException($"POST {path} rejected an event: {rejected.ToJsonString()}");
                }

                return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
            },
            deadline,
            $"POST {path} acknowledged");

    /// <summary>
    /// A partner's sender of a body as it is (EDI X12, or JSON whose per-item outcomes the test judges itself): sends until
    /// the grid acknowledges (2xx), riding out failovers and restarts, and gives up waiting for an answer after
    /// <paramref name="attemptTimeout"/> (the request timeout when null) to send again, as a partner's client does. A
    /// refusal (4xx) fails the test at once; a 5xx other than 503 (a failover answers 503, never 500) is also recorded in
    /// <see cref="ServerErrors"/>. Returns the answer.
    /// </summary>
    public Task<string> SendUntilAcknowledgedAsync(
        HttpMethod method, string path, string body, string mediaType, TimeSpan deadline, TimeSpan? attemptTimeout = null) =>
        Eventually.Succeeds(
            async () =>
            {
                using var attempt = new CancellationTokenSource(attemptTimeout ?? RequestTimeout);
                using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
                using var response = await Http.SendAsync(request, attempt.Token);
                var text = await response.Content.ReadAsStringAsync(attempt.Token);
                var status = (int)response.StatusCode;
                if (status is >= 400 and < 500)
                {
                    throw new Xunit.Sdk.XunitException($"{method} {path} refused with {status}: {text}\nbody: {body}");
                }

                if (status is >= 500 and not 503)
                {
                    serverErrors.Enqueue($"{method} {path} (cluster generation {generation}): {status} {text}\n{ApiLogOf(text)}");
                }

                return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"{method} {path}: {status} {text}");
            },
            deadline,
            $"{method} {path} acknowledged");

    /// <summary>A DELETE that must be acknowledged, retried like <see cref="SendUntilAcknowledgedAsync(string, JsonNode, TimeSpan)"/>.</summary>
    public Task DeleteUntilAcknowledgedAsync(string path, TimeSpan deadline) =>
        Eventually.Holds(
            async () =>
            {
                using var response = await Http.DeleteAsync(new Uri(path, UriKind.Relative));
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    throw new Xunit.Sdk.XunitException($"DELETE {path} refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }

                return response.IsSuccessStatusCode;
            },
            deadline,
            $"DELETE {path} acknowledged");

    /// <summary>
    /// A read as an operator makes it: the status and the parsed body (null when there is none). A 5xx is recorded in
    /// <see cref="ServerErrors"/>; a transport failure (timeout, refused connection) is thrown.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> ReadAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode >= 500)
        {
            serverErrors.Enqueue($"GET {path} (cluster generation {generation}): {(int)response.StatusCode} {text}\n{ApiLogOf(text)}");
        }

        return (response.StatusCode, response.IsSuccessStatusCode && text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    /// <summary>A read that must answer 200: anything else fails with what it answered.</summary>
    public async Task<JsonNode> ReadOkAsync(string path)
    {
        var (status, body) = await ReadAsync(path);
        return status == HttpStatusCode.OK && body is not null
            ? body
            : throw new Xunit.Sdk.XunitException($"GET {path} answered {(int)status}.");
    }

    /// <summary>Every item of a paged list, following each page's cursor to the end.</summary>
    public Task<JsonArray> ReadAllOkAsync(string path) => ApiPages.AllAsync(ReadOkAsync, path);

    /// <summary>Warnings and errors of every process this cluster ran (the last few of each), for a failure message.</summary>
    public string Logs(int linesPerProcess = 25)
    {
        var logs = new StringBuilder();
        foreach (var process in everyProcess)
        {
            var lines = process.Output.Split('\n')
                .Where(line => line.Contains(" WRN]", StringComparison.Ordinal) || line.Contains(" ERR]", StringComparison.Ordinal)
                    || line.Contains(" FTL]", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal))
                .TakeLast(linesPerProcess);
            logs.Append("--- ").Append(process.Name).Append(process.HasExited ? " (exited)" : string.Empty).AppendLine(" ---");
            foreach (var line in lines)
            {
                logs.AppendLine(line.TrimEnd());
            }
        }

        return logs.ToString();
    }

    /// <summary>The API's log lines of the request behind a problem answer (found by its trace id), with the exception.</summary>
    private string ApiLogOf(string problem)
    {
        JsonNode? details;
        try
        {
            details = JsonNode.Parse(problem);
        }
        catch (System.Text.Json.JsonException)
        {
            // A server error without problem details (a process shutting down) is recorded all the same.
            return "(no problem details)";
        }

        var traceId = (string?)details?["traceId"] is { Length: > 35 } traceparent ? traceparent[3..35] : null;
        if (traceId is null || api is null)
        {
            return string.Empty;
        }

        var lines = api.LinesFrom(0);
        var first = lines.ToList().FindIndex(line => line.Contains($"trace={traceId}", StringComparison.Ordinal));
        return first < 0 ? $"(no API log line for trace {traceId})" : string.Join('\n', lines.Skip(first).Take(12));
    }

    public async ValueTask DisposeAsync()
    {
        http?.Dispose();
        foreach (var process in everyProcess)
        {
            await process.DisposeAsync();
        }
    }

    private async Task<GridProcess> StartSiloAsync(int index, string name) =>
        await node.StartSiloAsync(name, settings: siloSettings, network: network is null ? null : await network.PlaceAsync(index));

    /// <summary>Silos start together (Orleans admits concurrent joins); the API once they are ready.</summary>
    private async Task StartProcessesAsync()
    {
        generation++;
        var starting = Enumerable.Range(0, siloCount).Select(i => StartSiloAsync(i, $"silo-{i + 1}.{generation}")).ToArray();
        try
        {
            silos = [.. await Task.WhenAll(starting)];
        }
        finally
        {
            everyProcess.AddRange(starting.Where(start => start.IsCompletedSuccessfully).Select(start => start.Result));
        }

        api = await node.StartApiAsync(name: $"api.{generation}", settings: apiSettings);
        everyProcess.Add(api);
        http = TestKeys.AdminClient(api.BaseAddress, RequestTimeout);
    }
}
