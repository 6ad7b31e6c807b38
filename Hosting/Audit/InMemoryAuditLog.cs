using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Audit;

/// <summary>
/// The embedded grid's audit log: in memory, lost with the process, and bounded to the newest
/// <see cref="Capacity"/> entries so a long-running development grid does not grow without end.
/// </summary>
public sealed class InMemoryAuditLog(int capacity = InMemoryAuditLog.DefaultCapacity) : IAuditLog
{
    public const int DefaultCapacity = 100_000;

    private static readonly Comparer<AuditEntry> Order = Comparer<AuditEntry>.Create((x, y) =>
    {
        var byTime = x.At.CompareTo(y.At);
        return byTime != 0 ? byTime : string.CompareOrdinal(x.Id, y.Id);
    });

    private readonly SortedSet<AuditEntry> entries = new(Order);
    private readonly HashSet<string> ids = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "At least one entry.");

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (gate)
        {
            foreach (var entry in entries.Where(entry => ids.Add(entry.Id)))
            {
                this.entries.Add(entry);
            }

            while (this.entries.Count > Capacity)
            {
                var oldest = this.entries.Min!;
                this.entries.Remove(oldest);
                ids.Remove(oldest.Id);
            }
        }

        return Task.CompletedTask;
    }

    public Task<Page<AuditEntry>> ListAsync(AuditQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(page);
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        var after = page.After is null
            ? (KeysetCursor?)null
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        lock (gate)
        {
            // Newest first from just below the cursor: the view walks the tree from there instead of from the newest entry.
            var probe = after is { } cursor ? Probe(cursor) : null;
            IEnumerable<AuditEntry> newestFirst = probe is null
                ? entries.Reverse()
                : entries.Count > 0 && Order.Compare(entries.Min!, probe) < 0
                    ? entries.GetViewBetween(entries.Min!, probe).Reverse().Where(entry => Order.Compare(entry, probe) < 0)
                    : [];
            var rows = newestFirst
                .Where(query.Matches)
                .Take(limit + 1)
                .ToList();
            return Task.FromResult(KeysetCursor.PageOf(rows, limit, entry => new KeysetCursor(entry.At, entry.Id)));
        }
    }

    public Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        lock (gate)
        {
            while (entries.Min is { } oldest && oldest.At < cutoff)
            {
                entries.Remove(oldest);
                ids.Remove(oldest.Id);
                removed++;
            }
        }

        return Task.FromResult(removed);
    }

    private static AuditEntry Probe(KeysetCursor cursor) => new(cursor.Id, cursor.At, null, null, [], "", null, null, 0, null);
}
