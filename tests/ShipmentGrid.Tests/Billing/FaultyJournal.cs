using System.Collections.Concurrent;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Tests.Billing;

/// <summary>
/// A journal in front of another whose next commit to a stream fails on the test's say, as a database that did not
/// answer in time would: nothing is stored and the caller sees an exception.
/// </summary>
public sealed class FaultyJournal(IEventJournal inner) : IEventJournal
{
    private readonly ConcurrentDictionary<string, Func<object, bool>> failing = new(StringComparer.Ordinal);

    /// <summary>The next commit to <paramref name="streamId"/> that carries an event <paramref name="carrying"/> matches fails.</summary>
    public void FailNextCommit(string streamId, Func<object, bool> carrying) => failing[streamId] = carrying;

    public Task<bool> CommitAsync<TState, TEvent>(string streamId, SnapshotVersion expected, IReadOnlyList<TEvent> events, TState state, CancellationToken cancellationToken)
        where TState : class
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(events);
        return failing.TryGetValue(streamId, out var carrying) && events.Any(carrying) && failing.TryRemove(streamId, out _)
            ? throw new TimeoutException($"The database did not answer the commit to {streamId}.")
            : inner.CommitAsync(streamId, expected, events, state, cancellationToken);
    }

    public Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class => inner.ReadAsync<TEvent>(streamId, cancellationToken);

    public Task<IReadOnlyList<string?>> ReadTraceParentsAsync(string streamId, CancellationToken cancellationToken) =>
        inner.ReadTraceParentsAsync(streamId, cancellationToken);

    public Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class => inner.AppendAsync(streamId, expectedVersion, events, cancellationToken);

    public Task<JournalSnapshot<TState>?> ReadSnapshotAsync<TState>(string streamId, CancellationToken cancellationToken)
        where TState : class => inner.ReadSnapshotAsync<TState>(streamId, cancellationToken);
}
