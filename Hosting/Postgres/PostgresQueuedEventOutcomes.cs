using Npgsql;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>Queued carrier events' outcomes in <c>queued_event_outcome</c>, one row per (carrier, event id).</summary>
public sealed class PostgresQueuedEventOutcomes(NpgsqlDataSource dataSource) : IQueuedEventOutcomes
{
    public async Task RecordAsync(IReadOnlyList<QueuedEventOutcome> outcomes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);

        // One row per key and statement (an upsert may touch a row once): the batch is folded by the same precedence first.
        var rows = outcomes
            .GroupBy(outcome => (outcome.CarrierId, outcome.EventId))
            .Select(key => key.Aggregate((QueuedEventOutcome?)null, (kept, next) => QueuedEventOutcomeRules.Replaces(next, kept) ? next : kept)!)
            .ToArray();
        if (rows.Length == 0)
        {
            return;
        }

        await using var command = GridSql.RecordQueuedEventOutcomes.CreateCommand(
            dataSource,
            rows.Select(row => row.CarrierId).ToArray(),
            rows.Select(row => row.EventId).ToArray(),
            rows.Select(row => row.ShipmentId).ToArray(),
            rows.Select(row => row.Status.ToString()).ToArray(),
            rows.Select(row => row.Reason).ToArray(),
            rows.Select(row => row.UpdatedAt).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<QueuedEventOutcome?> FindAsync(string carrierId, string eventId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindQueuedEventOutcome.CreateCommand(dataSource, carrierId, eventId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new QueuedEventOutcome(
                carrierId,
                eventId,
                reader.GetString(0),
                Enum.Parse<QueuedEventStatus>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }
}
