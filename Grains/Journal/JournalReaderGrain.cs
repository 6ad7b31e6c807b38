using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShipmentGrid.Observability;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Journal;

/// <summary>
/// Reads one journal partition in commit order and hands each stream's events to its follower
/// (<see cref="IJournalFollowers"/>), then moves the partition's checkpoint past them and, in the same transaction,
/// writes what they mean for the read models (<see cref="ReadModelProjection"/>): those count each event exactly once.
/// Followers are idempotent, so the only cost of a crash between delivery and checkpoint is a repeat; nothing is skipped. Streams of one
/// page are delivered concurrently, each stream's events in order. A follower that fails an event
/// <see cref="JournalOptions.MaxDeliveryAttempts"/> times dead-letters that event alone; an unreachable silo, a
/// timeout or a saturated journal (the follower's own commit refused while the writer is behind) is waited out and
/// never counts as a failure.
/// </summary>
public sealed partial class JournalReaderGrain(
    IJournalFeed feed,
    IJournalFollowers followers,
    IOptions<JournalOptions> options,
    JournalLagMetrics metrics,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    ILogger<JournalReaderGrain> logger) : Grain, IJournalReaderGrain
{
    // Streams of one page delivered at once; bounds the calls a reader has in flight.
    private const int ConcurrentStreams = 64;

    private readonly JournalOptions settings = options.Value;
    private JournalCursor checkpoint;
    private long lagReportedAt;

    private int Partition => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Partition < 0 || Partition >= feed.Partitions)
        {
            throw new InvalidOperationException($"Journal partition {Partition} does not exist (the journal has {feed.Partitions}).");
        }

        checkpoint = await feed.ReadCheckpointAsync(Partition, cancellationToken);
        this.RegisterGrainTimer(ReadAsync, new GrainTimerCreationOptions(TimeSpan.Zero, settings.PollInterval) { KeepAlive = true });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Forget(Partition);
        return Task.CompletedTask;
    }

    public Task Ensure() => Task.CompletedTask;

    public async Task<JournalLag> GetLag()
    {
        var backlog = await feed.ReadBacklogAsync(Partition, checkpoint, settings.LagCountCap, CancellationToken.None);
        var seconds = backlog.OldestRecordedAt is { } oldest ? Math.Max(0, (clock.GetUtcNow() - oldest).TotalSeconds) : 0;
        var lag = new JournalLag(Partition, backlog.Events, seconds, backlog.DeadLetters, backlog.CheckpointAt);
        metrics.Report(lag);
        lagReportedAt = clock.GetTimestamp();
        return lag;
    }

    /// <summary>One timer turn: pages until the partition is drained or the turn's budget is spent; refreshes the lag metrics now and then.</summary>
    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        if (lagReportedAt == 0 || clock.GetElapsedTime(lagReportedAt) >= JournalLagMetrics.ReportInterval)
        {
            await GetLag();
        }

        var started = clock.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested && clock.GetElapsedTime(started) < settings.TurnBudget)
        {
            var page = await feed.ReadAsync(Partition, checkpoint, settings.PageSize, cancellationToken);
            if (page.Count == 0)
            {
                return;
            }

            using var throttle = new SemaphoreSlim(ConcurrentStreams);
            await Task.WhenAll(page.GroupBy(record => record.StreamId, StringComparer.Ordinal).Select(async stream =>
            {
                await throttle.WaitAsync(cancellationToken);
                try
                {
                    foreach (var run in RunsOfOneTrace(stream))
                    {
                        await DeliverAsync(stream.Key, run, cancellationToken);
                    }
                }
                finally
                {
                    throttle.Release();
                }
            }));

            var next = page[^1].Cursor;
            if (!await AdvanceAsync(page, next, cancellationToken))
            {
                // Another activation of this reader moved the checkpoint (a failover overlap): continue from where it got.
                LogCheckpointMoved(logger, Partition, checkpoint);
                checkpoint = await feed.ReadCheckpointAsync(Partition, cancellationToken);
                return;
            }

            checkpoint = next;
        }
    }

    /// <summary>
    /// Moves the checkpoint past <paramref name="page"/> with what its events mean for the read models. Each CRM
    /// notification among those gets a span, from its event's stored trace context to the commit that queues it.
    /// </summary>
    private async Task<bool> AdvanceAsync(IReadOnlyList<JournalRecord> page, JournalCursor next, CancellationToken cancellationToken)
    {
        var notifying = new List<Activity>();
        var changes = new List<ReadModelChange>();
        var outer = Activity.Current;
        foreach (var record in page)
        {
            foreach (var change in ReadModelProjection.Project(record.Event))
            {
                if (change is QueueNotification queued && GridTracing.StartProcessing("crm notify", GridTracing.JournalSystem, Destination, [record.TraceParent]) is { } span)
                {
                    // The spans stay open until the commit, side by side: none is the parent of the next. The outbox
                    // keeps each one's context for the webhook deliveries.
                    Activity.Current = outer;
                    span.TagStream(record.StreamId).TagNotification(queued.Notification);
                    notifying.Add(span);
                    changes.Add(queued with { TraceParent = span.Id });
                }
                else
                {
                    changes.Add(change);
                }
            }
        }

        try
        {
            return await feed.TryAdvanceAsync(Partition, checkpoint, next, changes, cancellationToken);
        }
        catch (Exception exception)
        {
            notifying.ForEach(span => span.Failed(exception));
            throw;
        }
        finally
        {
            notifying.ForEach(span => span.Dispose());
        }
    }

    /// <summary>
    /// A stream's records cut where the trace that wrote them changes, in order: each request's follow-up is delivered
    /// under its own trace. Rows of one request, or of requests made without tracing, stay together; a stream that
    /// several requests wrote between two polls costs one more delivery per request, and only a stream with a follower
    /// makes a grain call of it.
    /// </summary>
    private static IEnumerable<JournalRecord[]> RunsOfOneTrace(IEnumerable<JournalRecord> records)
    {
        var run = new List<JournalRecord>();
        foreach (var record in records)
        {
            if (run.Count > 0 && !string.Equals(TraceIdOf(run[^1]), TraceIdOf(record), StringComparison.Ordinal))
            {
                yield return [.. run];
                run.Clear();
            }

            run.Add(record);
        }

        if (run.Count > 0)
        {
            yield return [.. run];
        }
    }

    /// <summary>The trace id of a row's W3C traceparent (<c>00-{trace}-{span}-{flags}</c>), or null for a row written outside a trace.</summary>
    private static string? TraceIdOf(JournalRecord record) => record.TraceParent is { Length: >= 35 } traceParent ? traceParent[3..35] : null;

    /// <summary>A run of the stream's records together; after repeated failures, each on its own so only the failing one is dead-lettered.</summary>
    private async Task DeliverAsync(string streamId, JournalRecord[] records, CancellationToken cancellationToken)
    {
        if (await TryDeliverAsync(streamId, records, cancellationToken) is not { } failure)
        {
            return;
        }

        if (records.Length > 1)
        {
            foreach (var record in records)
            {
                await DeliverAsync(streamId, [record], cancellationToken);
            }

            return;
        }

        LogDeadLettered(logger, failure, records[0].StreamId, records[0].Version, Partition);
        await feed.DeadLetterAsync(records[0], $"{failure.GetType().Name}: {failure.Message}", settings.MaxDeliveryAttempts, cancellationToken);
    }

    /// <summary>Null once delivered; the last failure when the follower failed <see cref="JournalOptions.MaxDeliveryAttempts"/> times.</summary>
    private async Task<Exception?> TryDeliverAsync(string streamId, IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken)
    {
        var failures = 0;
        var delay = settings.RetryDelay;
        while (true)
        {
            using var activity = StartDelivery(streamId, records);
            try
            {
                await followers.FollowAsync(streamId, records);
                return null;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
                if (!ClusterFailures.IsTransient(exception) && ++failures >= settings.MaxDeliveryAttempts)
                {
                    return exception;
                }

                LogDeliveryRetry(logger, exception, streamId, Partition, failures);
            }

            await Task.Delay(delay, clock, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxRetryDelay.Ticks));
        }
    }

    /// <summary>
    /// A span per delivery in the messaging conventions (the partition is the destination), started from the trace
    /// contexts stored with the rows (<see cref="GridTracing.StartProcessing"/>), so one trace runs through the journal.
    /// </summary>
    private Activity? StartDelivery(string streamId, IReadOnlyList<JournalRecord> records)
    {
        var activity = GridTracing.StartProcessing("process journal", GridTracing.JournalSystem, Destination, records.Select(record => record.TraceParent));
        activity?.SetTag("messaging.destination.partition.id", Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.batch.message_count", records.Count);
        return activity.TagStream(streamId);
    }

    /// <summary>The messaging destination of this reader: its journal partition.</summary>
    private string Destination => $"journal/{Partition}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal partition {Partition}: the checkpoint moved past {Checkpoint} elsewhere; continuing from the stored one")]
    private static partial void LogCheckpointMoved(ILogger logger, int partition, JournalCursor checkpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Journal partition {Partition}: delivering {StreamId} failed ({Failures} counted); retrying")]
    private static partial void LogDeliveryRetry(ILogger logger, Exception exception, string streamId, int partition, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal partition {Partition}: {StreamId} version {Version} dead-lettered after repeated failures")]
    private static partial void LogDeadLettered(ILogger logger, Exception exception, string streamId, int version, int partition);
}
