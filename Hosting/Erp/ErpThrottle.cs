using System.Threading.RateLimiting;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Hosting.Erp;

/// <summary>
/// The cluster's budget of ERP calls, split between the silos: each silo allows the configured totals divided by the
/// active silos it sees in Orleans membership (concurrency rounded up, so the cluster may exceed the total by less
/// than one call per silo). A shared budget without a shared counter: no grain or row that every posting passes
/// through. When membership changes, new calls take the new share at once and calls admitted under the old one
/// finish, so the total can be exceeded briefly.
/// </summary>
/// <remarks>
/// Calls wait for a slot (in order) rather than fail. A call that finds the wait queue full, or waits longer than
/// <see cref="ErpThrottleOptions.MaxQueueWait"/>, fails as <see cref="ErpBusyException"/>: its invoice is already
/// stored as Posting and tries again on its next reminder tick without counting a failure (no erp-failure item for a
/// peak), so a peak delays postings and loses none.
/// </remarks>
public sealed class ErpThrottle : IDisposable
{
    private readonly ErpThrottleOptions options;
    private readonly Func<int> activeSilos;
    private readonly Lock gate = new();
    private Budget budget;

    public ErpThrottle(ErpOptions options, IClusterMembershipService? membership = null)
        : this(options?.Throttle ?? throw new ArgumentNullException(nameof(options)), membership is null ? () => 1 : () => CountActive(membership))
    {
    }

    internal ErpThrottle(ErpThrottleOptions options, Func<int> activeSilos)
    {
        this.options = options;
        this.activeSilos = activeSilos;
        budget = new Budget(1, options);
    }

    /// <summary>This silo's share of the concurrent calls at the current membership.</summary>
    public int ConcurrentCallsHere => Current().ConcurrentCalls;

    /// <summary>Waits for a slot; dispose the answer when the call is over.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(options.MaxQueueWait);
        while (true)
        {
            var current = Current();
            try
            {
                using (var rate = await current.Rate.AcquireAsync(1, wait.Token))
                {
                    if (rate.IsAcquired)
                    {
                        var slot = await current.Concurrency.AcquireAsync(1, wait.Token);
                        if (slot.IsAcquired)
                        {
                            return slot;
                        }

                        slot.Dispose();
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ErpBusyException($"No ERP call slot within {options.MaxQueueWait}; the posting retries later.");
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(current, budget))
            {
                continue;
            }

            // A budget replaced while this call waited turns its waiters away: they queue again under the new share.
            if (ReferenceEquals(current, budget))
            {
                throw new ErpBusyException("The ERP call queue is full; the posting retries later.");
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            budget.Dispose();
        }
    }

    private Budget Current()
    {
        var silos = Math.Max(1, activeSilos());
        var current = budget;
        if (current.Silos == silos)
        {
            return current;
        }

        lock (gate)
        {
            if (budget.Silos != silos)
            {
                var replaced = budget;
                budget = new Budget(silos, options);
                replaced.Dispose();
            }

            return budget;
        }
    }

    private static int CountActive(IClusterMembershipService membership) =>
        membership.CurrentSnapshot.Members.Values.Count(member => member.Status == SiloStatus.Active);

    /// <summary>One silo's share: a concurrency limiter and a token bucket refilled about ten times a second.</summary>
    private sealed class Budget : IDisposable
    {
        public Budget(int silos, ErpThrottleOptions options)
        {
            Silos = silos;
            ConcurrentCalls = Math.Max(1, (int)Math.Ceiling(options.MaxConcurrentCalls / (double)silos));
            var perSecond = options.CallsPerSecond / silos;
            var tokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perSecond / 10));
            Concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = ConcurrentCalls,
                QueueLimit = options.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
            Rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, (int)Math.Ceiling(perSecond)),
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / perSecond),
                QueueLimit = options.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }

        public int Silos { get; }

        public int ConcurrentCalls { get; }

        public ConcurrencyLimiter Concurrency { get; }

        public TokenBucketRateLimiter Rate { get; }

        // The concurrency limiter is left to the calls still holding its slots; only the bucket has a timer to stop.
        public void Dispose() => Rate.Dispose();
    }
}
