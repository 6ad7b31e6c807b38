using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// Per-key rate limits with ASP.NET Core's rate limiter: a token bucket of requests for every key (unauthenticated
/// requests share one bucket per client address), and a second bucket of batched items (carrier events, bookings) that
/// the batch routes draw a whole batch from. Past either, the answer is 429 problem+json with <c>Retry-After</c>.
/// </summary>
internal sealed class RateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> events;
    private readonly int eventBurst;

    public RateLimits(IOptions<AccessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perSecond = Math.Max(1, options.Value.EventsPerSecond);
        eventBurst = Bucket(perSecond).TokenLimit;
        events = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(perSecond)));
    }

    public static void Configure(RateLimiterOptions limiter, AccessOptions access)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        ArgumentNullException.ThrowIfNull(access);
        var perSecond = Math.Max(1, access.RequestsPerSecond);
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            context.Request.Path.StartsWithSegments("/health")
                ? RateLimitPartition.GetNoLimiter("health")
                : RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => Bucket(perSecond)));
        limiter.OnRejected = (context, cancellationToken) =>
            WriteTooManyAsync(context.HttpContext, context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Takes <paramref name="count"/> items from the caller's bucket; when it cannot, how long to wait. A batch larger
    /// than the bucket holds takes the whole, full bucket, so a key with a small allowance can still send a full batch.
    /// </summary>
    public TimeSpan? TryTakeItems(HttpContext context, int count)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var lease = events.AttemptAcquire(PartitionOf(context), Math.Clamp(count, 1, eventBurst));
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public static async ValueTask WriteTooManyAsync(HttpContext context, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        await TooMany(context, retryAfter).ExecuteAsync(context);
    }

    /// <summary>429 problem+json, with <c>Retry-After</c> in whole seconds (at least one).</summary>
    public static ProblemHttpResult TooMany(HttpContext context, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "This key sends faster than its rate limit; retry after the time in Retry-After.",
            type: "https://shipment-grid.dev/problems/rate-limited");
    }

    public void Dispose() => events.Dispose();

    private static string PartitionOf(HttpContext context) =>
        context.User.FindFirstValue(GridClaims.KeyId) is { } keyId
            ? "key:" + keyId
            : GridClaims.ClientOf(context);

    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond * 2,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
