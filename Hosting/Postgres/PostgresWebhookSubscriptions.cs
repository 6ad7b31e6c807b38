using Npgsql;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>Webhook subscriptions in <c>webhook_subscription</c> (migration 0018), secrets as they were protected.</summary>
public sealed class PostgresWebhookSubscriptions(NpgsqlDataSource dataSource) : IWebhookSubscriptions
{
    private static readonly KeysetCursor Latest = new(DateTimeOffset.MaxValue, "");

    public async Task CreateAsync(StoredWebhookSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var s = subscription.Subscription;
        await using var command = GridSql.CreateWebhookSubscription.CreateCommand(
            dataSource,
            s.SubscriptionId,
            s.Url,
            s.EventTypes.Select(kind => (short)kind).ToArray(),
            s.CustomerId,
            s.Description,
            s.Enabled,
            s.CreatedAt,
            subscription.ProtectedSecret);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredWebhookSubscription?> FindAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindWebhookSubscription.CreateCommand(dataSource, subscriptionId);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<Page<WebhookSubscription>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? Latest
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        await using var command = GridSql.ListWebhookSubscriptions.CreateCommand(dataSource, after.At, after.Id, limit + 1);
        var items = (await ReadAsync(command, cancellationToken)).Select(stored => stored.Subscription).ToList();
        return KeysetCursor.PageOf(items, limit, subscription => new KeysetCursor(subscription.CreatedAt, subscription.SubscriptionId));
    }

    public async Task<WebhookSubscription?> SetEnabledAsync(string subscriptionId, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        await using var command = GridSql.SetWebhookSubscriptionEnabled.CreateCommand(dataSource, subscriptionId, enabled, reason);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault()?.Subscription;
    }

    public async Task<WebhookSubscription?> RotateSecretAsync(
        string subscriptionId, string protectedSecret, DateTimeOffset rotatedAt, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken)
    {
        await using var command = GridSql.RotateWebhookSecret.CreateCommand(dataSource, subscriptionId, protectedSecret, rotatedAt, previousExpiresAt);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault()?.Subscription;
    }

    public async Task<bool> DeleteAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.DeleteWebhookSubscription.CreateCommand(dataSource, subscriptionId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Reads rows in the column order the webhook statements of <see cref="GridSql"/> return.</summary>
    private static async Task<List<StoredWebhookSubscription>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var found = new List<StoredWebhookSubscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var subscription = new WebhookSubscription(
                reader.GetString(0),
                reader.GetString(1),
                [.. reader.GetFieldValue<short[]>(2).Select(kind => (CrmNotificationKind)kind)],
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetBoolean(5),
                reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10));
            found.Add(new StoredWebhookSubscription(subscription, reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        return found;
    }
}
