using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>An answer of the grid: its status (0 when none came before the deadline) and its JSON body, if any.</summary>
internal sealed record GridAnswer(int Status, JsonNode? Body)
{
    public bool Acknowledged => Status is >= 200 and < 300;

    public bool Unanswered => Status == 0;
}

/// <summary>
/// The grid's API as a partner calls it: every request with an API key. 503 (back pressure, a grain failing over), 429 (a
/// key's rate limit) and transport failures are waited out and sent again until <see cref="RequestDeadline"/>; every write
/// is idempotent by its id, so a resend cannot apply anything twice. Each retry and each failure counts as an error by kind.
/// </summary>
internal sealed class GridClient(HttpClient http, RunMetrics metrics, TokenBucket? pacing = null)
{
    public static readonly TimeSpan RequestDeadline = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);

    public RunMetrics Metrics { get; } = metrics;

    /// <summary>
    /// Sends a write of <paramref name="writes"/> items, paced by the run's rate; records its latency when acknowledged and an
    /// error of its kind when refused or unanswered.
    /// </summary>
    public async Task<GridAnswer> WriteAsync(
        string operation, string key, HttpMethod method, string path, string? body, int writes = 1, string mediaType = "application/json")
    {
        if (pacing is not null)
        {
            await pacing.TakeAsync(writes);
        }

        var answer = await SendAsync(operation, key, method, path, body, mediaType);
        if (answer.Unanswered)
        {
            Metrics.Error($"{operation}: no answer within {RequestDeadline.TotalSeconds:F0} s");
        }
        else if (!answer.Acknowledged)
        {
            Metrics.Error($"{operation}: {answer.Status} {(string?)answer.Body?["type"] ?? (string?)answer.Body?["title"]}".TrimEnd());
        }

        return answer;
    }

    /// <summary>Reads a resource: its JSON, or null when the grid answers 404; any other refusal throws.</summary>
    public async Task<JsonNode?> ReadAsync(string key, string path, string operation = RunMetrics.Operations.Read)
    {
        var answer = await SendAsync(operation, key, HttpMethod.Get, path, null, null);
        return answer switch
        {
            { Acknowledged: true } => answer.Body,
            { Status: 404 } => null,
            _ => throw new GridReadException($"GET {path} answered {(answer.Unanswered ? "nothing" : answer.Status.ToString(CultureInfo.InvariantCulture))}: {answer.Body?.ToJsonString()}"),
        };
    }

    /// <summary>Every item of a keyset-paged list, following <c>next</c> to the end.</summary>
    public async Task<List<JsonNode>> ReadAllAsync(string key, string path)
    {
        var items = new List<JsonNode>();
        string? after = null;
        do
        {
            var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var page = await ReadAsync(key, $"{path}{separator}limit=500" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}"))
                ?? throw new GridReadException($"GET {path} answered 404");
            items.AddRange(page["items"]!.AsArray().OfType<JsonNode>());
            after = (string?)page["next"];
        }
        while (after is not null);
        return items;
    }

    private async Task<GridAnswer> SendAsync(string operation, string key, HttpMethod method, string path, string? body, string? mediaType)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            TimeSpan wait;
            try
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, mediaType!);
                }

                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status is not (503 or 429))
                {
                    var answer = new GridAnswer(status, IsJson(response) && text.Length > 0 ? JsonNode.Parse(text) : null);
                    if (answer.Acknowledged)
                    {
                        Metrics.Latency(operation, watch.Elapsed);
                    }

                    return answer;
                }

                Metrics.Error(response.StatusCode == HttpStatusCode.TooManyRequests ? "429 rate limited (sent again)" : "503 back pressure (sent again)");
                wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                Metrics.Error($"no answer: {exception.GetType().Name} (sent again)");
                wait = TimeSpan.FromSeconds(1);
            }

            if (watch.Elapsed + wait > RequestDeadline)
            {
                return new GridAnswer(0, null);
            }

            await Task.Delay(wait < LongestWait ? wait : LongestWait);
        }
    }

    private static bool IsJson(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is { } type && type.EndsWith("json", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A read the verifier needed was refused or not answered.</summary>
internal sealed class GridReadException(string message) : Exception(message);
