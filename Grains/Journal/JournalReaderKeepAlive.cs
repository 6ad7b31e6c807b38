using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Journal;

/// <summary>
/// Runs on every silo: keeps each partition's reader active somewhere in the cluster. Orleans places each
/// reader on one silo; when that silo dies, the next call from a survivor activates the reader there, from its
/// stored checkpoint. A reader therefore resumes within one interval of the cluster noticing the death.
/// </summary>
public sealed partial class JournalReaderKeepAlive(
    IGrainFactory grains,
    IOptions<JournalOptions> options,
    TimeProvider clock,
    ILogger<JournalReaderKeepAlive> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.KeepAliveInterval, clock);
        do
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, settings.Partitions)
                    .Select(partition => grains.GetGrain<IJournalReaderGrain>(partition).Ensure()));
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The silo is still starting, or a reader's silo just died: the next round tries again.
                LogEnsureFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not reach every journal reader this round")]
    private static partial void LogEnsureFailed(ILogger logger, Exception exception);
}
