using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// A retention loop: purges at start and then every <see cref="Interval"/>. A failed run is logged and the next one
/// tries again (keeping rows a little longer loses nothing); a stopping host ends the loop.
/// </summary>
public abstract partial class PeriodicPurge(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>What is purged, as the log names it (e.g. "Read-model", "Audit").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>Removes what is no longer kept at <paramref name="now"/>; the number of rows removed.</summary>
    protected abstract Task<long> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                LogPurged(logger, What, await PurgeAsync(clock.GetUtcNow(), stoppingToken));
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogPurgeFailed(logger, What, exception);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{What} retention removed {Removed} rows")]
    private static partial void LogPurged(ILogger logger, string what, long removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} retention failed; it runs again at its next interval")]
    private static partial void LogPurgeFailed(ILogger logger, string what, Exception exception);
}
