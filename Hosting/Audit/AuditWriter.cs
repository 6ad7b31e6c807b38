using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Hosting.Audit;

/// <summary>
/// Group commit for the audit log: requests queue their entry and wait for it to be stored, while one loop takes
/// everything queued during the previous insert into the next one. Under load many requests share one round trip (one
/// multi-row insert, one WAL flush), and an entry is durable before its request answers. On stop the loop stores what
/// is queued before it ends; the server stops taking requests first (it stops before the services registered ahead of it).
/// <para>
/// A store that fails or is slow does not fail the request. The entry records a request that has already happened: an
/// error answer would not undo it, would invite a retry of something done, and would make the audit store's
/// availability the API's. So a request waits at most <see cref="AuditOptions.CommitWait"/>; an entry whose batch
/// failed, or that found the queue full for that long, is lost, and the loss is logged as one warning per batch with
/// its count (never one line per request).
/// </para>
/// </summary>
public sealed partial class AuditWriter : BackgroundService
{
    private readonly IAuditLog log;
    private readonly AuditOptions options;
    private readonly TimeProvider clock;
    private readonly ILogger<AuditWriter> logger;
    private readonly Channel<Pending> queue;
    private long unqueued;

    public AuditWriter(IAuditLog log, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Value.Validate();
        this.log = log;
        this.options = options.Value;
        this.clock = clock;
        this.logger = logger;
        queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(this.options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>
    /// Stores <paramref name="entry"/> with the next batch and answers once it is stored (true), or once it is known lost
    /// or <see cref="AuditOptions.CommitWait"/> has passed (false). Never throws for the store's sake.
    /// </summary>
    public async Task<bool> RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var pending = new Pending(entry, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        using var wait = new CancellationTokenSource(options.CommitWait, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken);
        try
        {
            if (!queue.Writer.TryWrite(pending))
            {
                await queue.Writer.WriteAsync(pending, either.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            // Full for too long, or the writer has stopped: the entry never joins a batch.
            Interlocked.Increment(ref unqueued);
            return false;
        }

        try
        {
            return await pending.Stored.Task.WaitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            // Still queued: its batch stores it (or warns) later, this request no longer waits for it.
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(options.MaxBatchSize);

        // Not stoppingToken: on stop the queue is completed, and the loop drains it before it ends.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < options.MaxBatchSize && queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            await StoreAsync(batch);
            batch.Clear();
            var lost = Interlocked.Exchange(ref unqueued, 0);
            if (lost > 0)
            {
                LogUnqueued(logger, lost, options.CommitWait);
            }
        }
    }

    private async Task StoreAsync(List<Pending> batch)
    {
        try
        {
            await log.AppendAsync([.. batch.Select(pending => pending.Entry)], CancellationToken.None);
            batch.ForEach(pending => pending.Stored.TrySetResult(true));
        }
        catch (Exception exception)
        {
            LogBatchLost(logger, exception, batch.Count);
            batch.ForEach(pending => pending.Stored.TrySetResult(false));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit log could not store a batch of {EntryCount} entries; those requests were answered unaudited")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int entryCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntryCount} audit entries found the writer's queue full for {CommitWait} or the writer stopped, and were not stored")]
    private static partial void LogUnqueued(ILogger logger, long entryCount, TimeSpan commitWait);

    private sealed record Pending(AuditEntry Entry, TaskCompletionSource<bool> Stored);
}
