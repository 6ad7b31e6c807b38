using System.Collections.Immutable;
using Npgsql;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The webhook outbox in <c>webhook_delivery</c> and its log in <c>webhook_delivery_attempt</c> (migration 0018), fed
/// from <c>crm_notification</c>. Claims skip rows another dispatcher holds, so API processes share the work.
/// </summary>
public sealed class PostgresWebhookDeliveries(NpgsqlDataSource dataSource) : IWebhookDeliveries
{
    private const int PurgeBatchSize = 1_000;

    private static readonly KeysetCursor Latest = new(DateTimeOffset.MaxValue, "");

    /// <summary>Batch after batch of each table, each its own short statement, until one comes back short.</summary>
    public async Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        foreach (var purge in new[] { GridSql.PurgeSettledWebhookDeliveries, GridSql.PurgeWebhookDeliveryAttempts })
        {
            int batch;
            do
            {
                await using var command = purge.CreateCommand(dataSource, cutoff, PurgeBatchSize);
                batch = await command.ExecuteNonQueryAsync(cancellationToken);
                removed += batch;
            }
            while (batch == PurgeBatchSize);
        }

        return removed;
    }

    public async Task<int> FanOutAsync(int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FanOutWebhookNotifications.CreateCommand(dataSource, limit, now);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<ImmutableArray<DueDelivery>> ClaimAsync(int limit, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = GridSql.ClaimWebhookDeliveries.CreateCommand(dataSource, now, limit, now + lease);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = ImmutableArray.CreateBuilder<DueDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var notification = new CrmNotification(
                reader.GetString(2), reader.GetString(3), (CrmNotificationKind)reader.GetInt16(4), reader.GetString(5), reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7));
            due.Add(new DueDelivery(reader.GetString(0), notification, reader.GetInt32(1), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return due.ToImmutable();
    }

    public async Task RecordAsync(DeliveryAttempt attempt, int disableAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(GridSql.LogWebhookAttempt.CreateBatchCommand(
                attempt.AttemptId, attempt.SubscriptionId, attempt.NotificationId, attempt.Attempt, attempt.AttemptedAt, attempt.StatusCode, attempt.Error,
                attempt.Succeeded, attempt.NextAttemptAt));
            batch.BatchCommands.Add(GridSql.SettleWebhookDelivery.CreateBatchCommand(
                attempt.SubscriptionId, attempt.NotificationId, attempt.Succeeded, attempt.NextAttemptAt, attempt.AttemptedAt));
            batch.BatchCommands.Add(GridSql.CountWebhookOutcome.CreateBatchCommand(attempt.SubscriptionId, attempt.Succeeded, disableAfter));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Page<DeliveryAttempt>> ListAttemptsAsync(string subscriptionId, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? Latest
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        await using var command = GridSql.ListWebhookAttempts.CreateCommand(dataSource, subscriptionId, after.At, after.Id, limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = new List<DeliveryAttempt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(AttemptOf(reader));
        }

        return KeysetCursor.PageOf(attempts, limit, attempt => new KeysetCursor(attempt.AttemptedAt, attempt.AttemptId));
    }

    public async Task<ImmutableArray<DeliveryAttempt>> ListNotificationAttemptsAsync(
        IReadOnlyCollection<string> notificationIds, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notificationIds);
        await using var command = GridSql.ListNotificationWebhookAttempts.CreateCommand(dataSource, notificationIds.ToArray(), limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = ImmutableArray.CreateBuilder<DeliveryAttempt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(AttemptOf(reader));
        }

        return attempts.ToImmutable();
    }

    /// <summary>One delivery-log row, in the column order both attempt lists select.</summary>
    private static DeliveryAttempt AttemptOf(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetInt32(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.IsDBNull(5) ? null : reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetBoolean(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8));

    public async Task<bool> RedeliverAsync(string subscriptionId, string notificationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = GridSql.RedeliverWebhookNotification.CreateCommand(dataSource, subscriptionId, notificationId, now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
