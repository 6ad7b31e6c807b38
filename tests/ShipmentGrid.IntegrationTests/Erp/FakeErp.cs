using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ShipmentGrid.IntegrationTests.Erp;

/// <summary>
/// A remote ERP played by Kestrel on a loopback port inside the test process, speaking the grid's ERP contract. It
/// counts every write that reaches it and every document it creates, and answers as a test scripts it: an outage
/// (every call one status), the next calls failing, latency, an answer held back after the write (a timeout whose
/// write happened), and "already posted" as 200 or 409, with or without the document.
/// </summary>
public sealed class FakeErp : IAsyncDisposable
{
    public const string ApiKey = "erp-test-key-7d1f";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Document> invoices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, decimal> payments = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Func<HttpContext, Task<bool>>> script = new();
    private int writes;
    private int inFlight;
    private int maxInFlight;
    private int created;

    private FakeErp(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every call answers this status (an ERP outage) while set.</summary>
    public int? Outage { get; set; }

    /// <summary>How long each call takes before it is answered.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>The status a repeated posting is answered with: 409 (default) or 200.</summary>
    public int AlreadyPostedStatus { get; set; } = StatusCodes.Status409Conflict;

    /// <summary>Whether "already posted" carries the document; without it the grid reads it with a GET.</summary>
    public bool AlreadyPostedWithDocument { get; set; } = true;

    /// <summary>Writes (PUTs) that reached the ERP, including failed and repeated ones.</summary>
    public int Writes => Volatile.Read(ref writes);

    /// <summary>Invoice documents created: one per distinct invoice number when nothing was duplicated.</summary>
    public int Created => Volatile.Read(ref created);

    public int MaxInFlight => Volatile.Read(ref maxInFlight);

    public int Payments => payments.Count;

    public string? DocumentOf(string invoiceNumber) => invoices.TryGetValue(invoiceNumber, out var document) ? document.DocumentNumber : null;

    /// <summary>Starts on a free port of <paramref name="host"/> (the loopback, or the host's address on a test's own network).</summary>
    public static async Task<FakeErp> StartAsync(string host = "127.0.0.1")
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls($"http://{host}:0");
        builder.Services.AddRoutingCore();
        var erp = new FakeErp(builder.Build());
        erp.Map();
        await erp.app.StartAsync();
        var address = erp.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        erp.BaseUrl = new Uri(address + "/erp/");
        return erp;
    }

    /// <summary>The next calls answer these statuses, one each, before anything is written.</summary>
    public void FailNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            script.Enqueue(async context =>
            {
                context.Response.StatusCode = status;
                await Task.CompletedTask;
                return true;
            });
        }
    }

    /// <summary>The next write happens, but its answer is held back this long (longer than the client waits).</summary>
    public void HoldNextAnswerAfterWrite(TimeSpan hold) =>
        script.Enqueue(async context =>
        {
            await WriteInvoiceAsync(context);
            await Task.Delay(hold, context.RequestAborted);
            return true;
        });

    /// <summary>The ERP already holds this invoice (posted by an earlier process, say).</summary>
    public void AlreadyHolds(string invoiceNumber, string documentNumber) =>
        invoices[invoiceNumber] = new Document(documentNumber, new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), 0m);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private void Map()
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != "Bearer " + ApiKey)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            try
            {
                if (HttpMethods.IsPut(context.Request.Method))
                {
                    Interlocked.Increment(ref writes);
                }

                await Task.Delay(Latency, context.RequestAborted);
                if (Outage is { } status)
                {
                    context.Response.StatusCode = status;
                    return;
                }

                if (script.TryDequeue(out var scripted) && await scripted(context))
                {
                    return;
                }

                await next(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client gave up (its attempt timed out); there is no one to answer.
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });

        app.MapPut("/erp/invoices/{number}", async context =>
        {
            var (status, document) = await WriteInvoiceAsync(context);
            context.Response.StatusCode = status;
            if (document is not null && (status != AlreadyPostedStatus || AlreadyPostedWithDocument))
            {
                await context.Response.WriteAsJsonAsync(new { documentNumber = document.DocumentNumber, postedAt = document.PostedAt });
            }
        });

        app.MapGet("/erp/invoices/{number}", async context =>
        {
            if (invoices.TryGetValue((string)context.Request.RouteValues["number"]!, out var document))
            {
                await context.Response.WriteAsJsonAsync(new { documentNumber = document.DocumentNumber, postedAt = document.PostedAt });
                return;
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
        });

        app.MapPut("/erp/payments/{id}", async context =>
        {
            var id = (string)context.Request.RouteValues["id"]!;
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            if (context.Request.Headers["Idempotency-Key"] != id || body.RootElement.GetProperty("paymentId").GetString() != id)
            {
                context.Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                return;
            }

            context.Response.StatusCode = payments.TryAdd(id, body.RootElement.GetProperty("amount").GetDecimal())
                ? StatusCodes.Status201Created
                : AlreadyPostedStatus;
        });
    }

    /// <summary>Checks the posting against the contract and writes its document unless the number already has one.</summary>
    private async Task<(int Status, Document? Document)> WriteInvoiceAsync(HttpContext context)
    {
        var number = context.Request.Path.Value!.Split('/')[^1];
        number = Uri.UnescapeDataString(number);
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        if (context.Request.Headers["Idempotency-Key"] != number
            || root.GetProperty("invoiceNumber").GetString() != number
            || root.GetProperty("lines").GetArrayLength() == 0
            || root.GetProperty("currency").GetString()?.Length != 3)
        {
            return (StatusCodes.Status422UnprocessableEntity, null);
        }

        var total = root.GetProperty("total").GetDecimal();
        var candidate = new Document(
            "DOC-" + (invoices.Count + 1).ToString("D6", CultureInfo.InvariantCulture) + "-" + number,
            DateTimeOffset.UtcNow,
            total);
        var document = invoices.GetOrAdd(number, candidate);
        if (ReferenceEquals(document, candidate))
        {
            Interlocked.Increment(ref created);
            return (StatusCodes.Status201Created, document);
        }

        return (AlreadyPostedStatus, document);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private sealed record Document(string DocumentNumber, DateTimeOffset PostedAt, decimal Total);
}
