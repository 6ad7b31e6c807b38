using Npgsql;
using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The audit log in PostgreSQL (<c>audit_entry</c>, migration 0014): a batch is one multi-row insert; a list is one
/// statement led by the index of its most selective filter.
/// </summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    private const int PurgeBatchSize = 1_000;

    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await using var command = GridSql.AppendAuditEntries.CreateCommand(
            dataSource,
            entries.Select(entry => entry.At).ToArray(),
            entries.Select(entry => entry.Id).ToArray(),
            entries.Select(entry => entry.KeyId).ToArray(),
            entries.Select(entry => entry.Partner).ToArray(),
            entries.Select(entry => string.Join(' ', entry.Roles)).ToArray(),
            entries.Select(entry => entry.Method).ToArray(),
            entries.Select(entry => entry.Route).ToArray(),
            entries.Select(entry => entry.Subject).ToArray(),
            entries.Select(entry => (short)entry.Status).ToArray(),
            entries.Select(entry => entry.TraceId).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Page<AuditEntry>> ListAsync(AuditQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(page);
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        var after = page.After is null
            ? new KeysetCursor(DateTimeOffset.MaxValue, "")
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));

        // Rows before 'to' are the rows before (to, ""): the upper bound is whichever of the cursor and 'to' comes first.
        var before = query.To is { } to && to < after.At ? new KeysetCursor(to, "") : after;
        var statement = query switch
        {
            { KeyId: not null } => GridSql.ListAuditEntriesByKey,
            { Route: not null } => GridSql.ListAuditEntriesByRoute,
            { Partner: not null } => GridSql.ListAuditEntriesByPartner,
            { Outcome: not null } => GridSql.ListAuditEntriesByOutcome,
            _ => GridSql.ListAuditEntries,
        };
        await using var command = statement.CreateCommand(
            dataSource,
            before.At,
            before.Id,
            query.From ?? DateTimeOffset.MinValue,
            query.KeyId,
            query.Partner,
            query.Route,
            query.Outcome?.Class,
            query.Outcome?.Status,
            limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AuditEntry(
                reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(0),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                [.. reader.GetFieldValue<string[]>(4)],
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetInt16(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return KeysetCursor.PageOf(rows, limit, entry => new KeysetCursor(entry.At, entry.Id));
    }

    /// <summary>Batch after batch, each its own short statement, until one comes back short.</summary>
    public async Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        int batch;
        do
        {
            await using var command = GridSql.PurgeAuditEntries.CreateCommand(dataSource, cutoff, PurgeBatchSize);
            batch = await command.ExecuteNonQueryAsync(cancellationToken);
            removed += batch;
        }
        while (batch == PurgeBatchSize);

        return removed;
    }
}
