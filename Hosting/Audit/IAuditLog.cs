using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Audit;

/// <summary>
/// The append-only log of write requests. There is no update, and the only removal is retention's purge of entries
/// older than the days kept. Event-level lineage (what a request changed) stays in the journal; the trace id joins them.
/// </summary>
public interface IAuditLog
{
    /// <summary>Stores <paramref name="entries"/> durably, all or none; an entry stored before (same id) is kept as it is.</summary>
    Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>The entries <paramref name="query"/> selects, newest first by (time, id), keyset-paged.</summary>
    Task<Page<AuditEntry>> ListAsync(AuditQuery query, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Removes entries older than <paramref name="cutoff"/>, in bounded batches; answers how many.</summary>
    Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
