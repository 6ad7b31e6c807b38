using System.Globalization;
using System.Net;
using BenchmarkDotNet.Attributes;

namespace ShipmentGrid.Tools.AuthBench;

/// <summary>
/// One small GET over HTTP/1.1 on loopback, through Kestrel and routing, with and without the API's access pipeline.
/// Each invocation sends <see cref="RequestsPerInvoke"/> requests from <see cref="Concurrency"/> callers, so the mean
/// is the time per request and, at concurrency above one, its inverse is the server's throughput on this machine.
/// </summary>
[Config(typeof(BenchConfig))]
public class RequestBenchmarks
{
    private const int RequestsPerInvoke = 64;

    private AccessHost? bare;
    private AccessHost? access;
    private HttpClient? bareClient;
    private HttpClient? accessClient;
    private string validKey = string.Empty;
    private string wrongSecret = string.Empty;
    private string unknownKeySecret = string.Empty;
    private long unknownKeyIds;

    [Params(1, 16)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task StartAsync()
    {
        bare = await AccessHost.StartAsync(withAccess: false);
        access = await AccessHost.StartAsync(withAccess: true);
        bareClient = Client(bare.Address);
        accessClient = Client(access.Address);
        validKey = await AccessHost.MintCustomerKeyAsync(access.Services);

        // The right key id with another secret (found, cached, hash does not match), and well-formed tokens whose key
        // ids no store holds (each one a cache miss and a store lookup), as a flood of guessed keys would be.
        var other = await AccessHost.MintCustomerKeyAsync(access.Services);
        var secretStart = other.LastIndexOf('_') + 1;
        wrongSecret = validKey[..secretStart] + other[secretStart..];
        unknownKeySecret = other[secretStart..];

        await SendAsync(bareClient, AccessHost.AnonymousPath, null, HttpStatusCode.OK);
        await SendAsync(accessClient, AccessHost.AnonymousPath, null, HttpStatusCode.OK);
        await SendAsync(accessClient, AccessHost.KeyedPath, validKey, HttpStatusCode.OK);
        await SendAsync(accessClient, AccessHost.KeyedPath, null, HttpStatusCode.Unauthorized);
        await SendAsync(accessClient, AccessHost.KeyedPath, wrongSecret, HttpStatusCode.Unauthorized);
        await SendAsync(accessClient, AccessHost.KeyedPath, UnknownKey(), HttpStatusCode.Unauthorized);
    }

    [GlobalCleanup]
    public async Task StopAsync()
    {
        bareClient?.Dispose();
        accessClient?.Dispose();
        await (bare?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (access?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke, Description = "no access pipeline, no key")]
    public Task NoAccessPipeline() => SendAllAsync(bareClient!, AccessHost.AnonymousPath, () => null, HttpStatusCode.OK);

    [Benchmark(Baseline = true, OperationsPerInvoke = RequestsPerInvoke, Description = "access pipeline, anonymous endpoint, no key")]
    public Task AnonymousEndpoint() => SendAllAsync(accessClient!, AccessHost.AnonymousPath, () => null, HttpStatusCode.OK);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke, Description = "access pipeline, keyed endpoint, valid key")]
    public Task ValidKey() => SendAllAsync(accessClient!, AccessHost.KeyedPath, () => validKey, HttpStatusCode.OK);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke, Description = "access pipeline, keyed endpoint, wrong secret (401)")]
    public Task WrongSecret() => SendAllAsync(accessClient!, AccessHost.KeyedPath, () => wrongSecret, HttpStatusCode.Unauthorized);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke, Description = "access pipeline, keyed endpoint, unknown key ids (401)")]
    public Task UnknownKeyIds() => SendAllAsync(accessClient!, AccessHost.KeyedPath, UnknownKey, HttpStatusCode.Unauthorized);

    private static HttpClient Client(Uri address) =>
        new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };

    private static async Task SendAsync(HttpClient client, string path, string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}, expected {(int)expected}: the benchmark would not measure what it says.");
        }
    }

    private async Task SendAllAsync(HttpClient client, string path, Func<string?> key, HttpStatusCode expected)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < RequestsPerInvoke)
            {
                await SendAsync(client, path, key(), expected);
            }
        }));
    }

    private string UnknownKey() =>
        "sgk_" + Interlocked.Increment(ref unknownKeyIds).ToString("x16", CultureInfo.InvariantCulture) + "_" + unknownKeySecret;
}
