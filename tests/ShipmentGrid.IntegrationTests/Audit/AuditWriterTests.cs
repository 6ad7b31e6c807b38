using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Audit;

/// <summary>
/// The audit writer's group commit: requests wait for their entry to be stored, entries queued during one insert share
/// the next, a failing store answers the request anyway with one warning per batch, and stopping stores what is queued.
/// The clock is fake and never moves, so no request gives up waiting unless a test says so.
/// </summary>
public sealed class AuditWriterTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly GatedLog log = new();
    private readonly WarningLog<AuditWriter> warnings = new();
    private readonly FakeTimeProvider clock = new(T0);
    private readonly AuditWriter writer;

    public AuditWriterTests() => writer = new AuditWriter(log, Options.Create(new AuditOptions()), clock, warnings);

    [Fact]
    public async Task Entries_queued_while_a_batch_commits_are_stored_together_in_the_next_insert_before_their_requests_go_on()
    {
        await writer.StartAsync(default);
        var first = writer.RecordAsync(Entry("first"), default);
        await log.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var queued = Enumerable.Range(0, 20).Select(i => writer.RecordAsync(Entry($"queued-{i}"), default)).ToArray();
        Assert.False(first.IsCompleted);
        Assert.DoesNotContain(queued, request => request.IsCompleted);
        log.Release.SetResult();

        Assert.True(await first);
        Assert.All(await Task.WhenAll(queued), Assert.True);
        Assert.Equal([1, 20], log.Batches.Select(batch => batch.Count));
        Assert.Empty(warnings.Messages);
        await writer.StopAsync(default);
    }

    [Fact]
    public async Task A_failing_store_answers_the_request_with_one_warning_for_the_batch()
    {
        log.Fail = true;
        log.Release.SetResult();
        await writer.StartAsync(default);

        Assert.False(await writer.RecordAsync(Entry("lost"), default));

        var warning = Assert.Single(warnings.Messages);
        Assert.Contains("1 entries", warning, StringComparison.Ordinal);
        await writer.StopAsync(default);
    }

    [Fact]
    public async Task A_store_slower_than_the_commit_wait_lets_the_request_go_on_and_still_stores_its_entry()
    {
        await writer.StartAsync(default);
        var slow = writer.RecordAsync(Entry("slow"), default);
        await log.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        clock.Advance(new AuditOptions().CommitWait);
        Assert.False(await slow.WaitAsync(TimeSpan.FromSeconds(10)));

        log.Release.SetResult();
        await writer.StopAsync(default);
        Assert.Equal(["slow"], log.Batches.SelectMany(batch => batch).Select(entry => entry.Id));
    }

    [Fact]
    public async Task Stopping_stores_every_queued_entry_and_later_entries_are_refused_at_once()
    {
        await writer.StartAsync(default);
        var first = writer.RecordAsync(Entry("first"), default);
        await log.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = Enumerable.Range(0, 5).Select(i => writer.RecordAsync(Entry($"queued-{i}"), default)).ToArray();

        var stopping = writer.StopAsync(default);
        log.Release.SetResult();
        await stopping;

        Assert.True(await first);
        Assert.All(await Task.WhenAll(queued), Assert.True);
        Assert.Equal(6, log.Batches.Sum(batch => batch.Count));
        Assert.False(await writer.RecordAsync(Entry("late"), default));
    }

    public void Dispose() => writer.Dispose();

    private static AuditEntry Entry(string id) => new(id, T0, "K1", "Acme", ["admin"], "POST", "/api/v1/customers", null, 201, null);

    /// <summary>Holds the first insert until released, so the test decides what queues behind it.</summary>
    private sealed class GatedLog : IAuditLog
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Fail { get; set; }

        public List<IReadOnlyList<AuditEntry>> Batches { get; } = [];

        public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            if (Fail)
            {
                throw new InvalidOperationException("The store is down.");
            }

            lock (Batches)
            {
                Batches.Add(entries);
            }
        }

        public Task<Page<AuditEntry>> ListAsync(AuditQuery query, PageRequest page, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class WarningLog<T> : ILogger<T>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                lock (Messages)
                {
                    Messages.Add(formatter(state, exception));
                }
            }
        }
    }
}
