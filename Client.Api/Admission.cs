using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Api;

/// <summary>Configuration section <c>Api:Admission</c>: how much work one API process takes on at once.</summary>
internal sealed class AdmissionOptions
{
    public const string Section = "Api:Admission";

    /// <summary>Requests served at once; the rest wait in the queue.</summary>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>
    /// Requests that may wait for a place, oldest first. Past it a request is answered 503 at once, so a caller past the
    /// grid's maximum rate gets a quick answer to retry instead of a request that waits until it times out.
    /// </summary>
    public int QueueLimit { get; set; } = 1_024;
}

/// <summary>The process-wide admission limit (ASP.NET Core's <see cref="ConcurrencyLimiter"/>), one per API process.</summary>
internal sealed class AdmissionLimiter(IOptions<AdmissionOptions> options) : IDisposable
{
    public ConcurrencyLimiter Limiter { get; } = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Math.Max(1, options.Value.MaxConcurrentRequests),
        QueueLimit = Math.Max(0, options.Value.QueueLimit),
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public void Dispose() => Limiter.Dispose();
}

/// <summary>
/// Admission before any other work (audit, authentication, the grain call): past the limit and its queue, 503
/// problem+json with <c>Retry-After</c>. Health probes and metric scrapes are exempt, so an overloaded process stays
/// in its load balancer and in view. Nothing is logged per refusal; the HTTP server metrics count the 503s.
/// </summary>
internal sealed class Admission(RequestDelegate next, AdmissionLimiter admission)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics"))
        {
            await next(context);
            return;
        }

        using var lease = await admission.Limiter.AcquireAsync(1, context.RequestAborted);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = "1";
            await TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The grid is at capacity; retry after the time in Retry-After.",
                type: "https://shipment-grid.dev/problems/overloaded").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
