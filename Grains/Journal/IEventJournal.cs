namespace ShipmentGrid.Journal;

/// <summary>
/// Append-only history of a grain's events: the source of truth its state is rebuilt from. An append
/// commits before the grain acknowledges anything, so an acknowledged fact survives the silo.
/// </summary>
public interface IEventJournal
{
    /// <summary>Every event of the stream, oldest first; empty for a stream never written.</summary>
    Task<IReadOnlyList<TEvent>> ReadAsync<TEvent>(string streamId, CancellationToken cancellationToken)
        where TEvent : class;

    /// <summary>
    /// Appends <paramref name="events"/> as versions <paramref name="expectedVersion"/>+1 onwards. Returns false,
    /// writing nothing, when the stream already holds more than <paramref name="expectedVersion"/> events
    /// (another activation wrote first).
    /// </summary>
    Task<bool> AppendAsync<TEvent>(string streamId, int expectedVersion, IReadOnlyList<TEvent> events, CancellationToken cancellationToken)
        where TEvent : class;
}
