using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Hosting.Audit;

/// <summary>
/// Removes audit entries older than <see cref="AuditOptions.RetentionDays"/>, at start and then every
/// <see cref="AuditOptions.RetentionInterval"/>: the one removal the append-only log allows. Every API process runs it;
/// the purge deletes in bounded batches, and concurrent ones only find less to delete.
/// </summary>
public sealed partial class AuditRetention(IAuditLog log, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditRetention> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.RetentionInterval, clock);
        do
        {
            try
            {
                var removed = await log.PurgeAsync(clock.GetUtcNow().AddDays(-settings.RetentionDays), stoppingToken);
                LogPurged(logger, removed);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The next run tries again; keeping entries a little longer loses nothing.
                LogPurgeFailed(logger, exception);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit retention removed {Removed} entries")]
    private static partial void LogPurged(ILogger logger, long removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit retention failed; it runs again at its next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
