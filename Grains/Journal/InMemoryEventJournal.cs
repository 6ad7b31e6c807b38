using System.Collections.Concurrent;

namespace ShipmentGrid.Journal;

/// <summary>The embedded default: a journal that lives as long as the process. Never proof of durability.</summary>
public sealed class InMemoryEventJournal : IEventJournal
{
    private readonly ConcurrentDictionary<string, List<object>> streams = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class
    {
        if (!streams.TryGetValue(streamId, out var stream))
        {
            return Task.FromResult<IReadOnlyList<TEvent>>([]);
        }

        lock (stream)
        {
            return Task.FromResult<IReadOnlyList<TEvent>>(stream.Cast<TEvent>().ToArray());
        }
    }

    public Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class
    {
        var stream = streams.GetOrAdd(streamId, _ => []);
        lock (stream)
        {
            if (stream.Count != expectedVersion)
            {
                return Task.FromResult(false);
            }

            stream.AddRange(events);
            return Task.FromResult(true);
        }
    }
}
