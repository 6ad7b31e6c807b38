using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>
/// Makes sure the cluster's billing escalation sweep runs (its reminder registered, which <see cref="IBillingEscalationGrain.Start"/>
/// does once for the whole cluster) when this silo becomes active, without holding up the silo's start. As an Orleans
/// startup task the call delayed the silo's readiness: a joining silo waited 0.5–0.8 s for it to reach the grain's
/// silo and the reminder table, and 5.7 s when the silos of a cluster started together. It is retried with backoff
/// until it succeeds or the silo stops; every silo makes it, so one silo's failure leaves the sweep to the others.
/// </summary>
internal sealed partial class BillingEscalationStarter(IGrainFactory grains, TimeProvider clock, ILogger<BillingEscalationStarter> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task started = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BillingEscalationStarter), ServiceLifecycleStage.Active, OnActiveAsync, OnStopAsync);

    public void Dispose() => stopping.Dispose();

    private Task OnActiveAsync(CancellationToken cancellationToken)
    {
        started = Task.Run(() => StartSweepAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await started.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task StartSweepAsync(CancellationToken cancellationToken)
    {
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(exception => exception is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(30),
                UseJitter = true,
                OnRetry = retry =>
                {
                    LogRetry(logger, retry.Outcome.Exception, retry.RetryDelay);
                    return default;
                },
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(async token => await grains.GetGrain<IBillingEscalationGrain>(0).Start().WaitAsync(token), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping; the other silos, or this one's next start, make sure of the sweep.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting the billing escalation sweep failed; trying again in {Delay}")]
    private static partial void LogRetry(ILogger logger, Exception? exception, TimeSpan delay);
}
