using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>The PostgreSQL outbox: hand-out once per matching subscription, leased claims, settling, disabling, the log (by subscription and by notification), redelivery.</summary>
[Collection(SharedPostgres.Name)]
public sealed class PostgresWebhookOutboxTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private NpgsqlDataSource dataSource = null!;
    private PostgresSettings settings = null!;

    public async Task InitializeAsync()
    {
        settings = new PostgresSettings(await server.CreateDatabaseAsync("outbox"), "grid_outbox");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    [Fact]
    public async Task Notifications_are_handed_out_once_claimed_under_a_lease_retried_until_the_streak_disables_and_redelivered()
    {
        var subscriptions = new PostgresWebhookSubscriptions(dataSource);
        var outbox = new PostgresWebhookDeliveries(dataSource);
        await subscriptions.CreateAsync(Subscription("wh_a", "C-1", CrmNotificationKind.ExceptionOpened, CrmNotificationKind.DeliveryConfirmed), default);
        await subscriptions.CreateAsync(Subscription("wh_b", null, CrmNotificationKind.DeliveryConfirmed), default);
        await Sql.ExecuteAsync(
            settings.ProviderConnectionString,
            """
            INSERT INTO crm_notification (notification_id, customer_id, kind, subject, text, occurred_at) VALUES
                ('N-1', 'C-1', 1, 'shipment/S-1', 'damaged', '2026-12-01T08:00:00Z'),
                ('N-2', 'C-2', 0, 'shipment/S-2', 'delivered', '2026-12-01T08:01:00Z')
            """);

        Assert.Equal(2, await outbox.FanOutAsync(10, T0, default));
        Assert.Equal(0, await outbox.FanOutAsync(10, T0, default));

        var claimed = await outbox.ClaimAsync(10, T0, TimeSpan.FromSeconds(30), default);
        Assert.Equal(
            [("wh_a", "N-1", 1), ("wh_b", "N-2", 1)],
            claimed.Select(d => (d.SubscriptionId, d.Notification.NotificationId, d.Attempt)).Order());
        Assert.Equal(CrmNotificationKind.ExceptionOpened, claimed.Single(d => d.SubscriptionId == "wh_a").Notification.Kind);
        Assert.Empty(await outbox.ClaimAsync(10, T0.AddSeconds(1), TimeSpan.FromSeconds(30), default));

        await outbox.RecordAsync(Attempt("1", "wh_b", "N-2", 1, T0, succeeded: true, next: null), 2, default);
        await outbox.RecordAsync(Attempt("2", "wh_a", "N-1", 1, T0, succeeded: false, next: T0.AddSeconds(5)), 2, default);
        Assert.True((await subscriptions.FindAsync("wh_a", default))!.Subscription is { Enabled: true, ConsecutiveFailures: 1 });

        var retry = Assert.Single(await outbox.ClaimAsync(10, T0.AddSeconds(5), TimeSpan.FromSeconds(30), default));
        Assert.Equal(("wh_a", 2), (retry.SubscriptionId, retry.Attempt));
        await outbox.RecordAsync(Attempt("3", "wh_a", "N-1", 2, T0.AddSeconds(5), succeeded: false, next: T0.AddSeconds(15)), 2, default);

        var disabled = (await subscriptions.FindAsync("wh_a", default))!.Subscription;
        Assert.Equal((false, 2, "Disabled after 2 failed deliveries in a row."), (disabled.Enabled, disabled.ConsecutiveFailures, disabled.DisabledReason));
        Assert.Empty(await outbox.ClaimAsync(10, T0.AddHours(1), TimeSpan.FromSeconds(30), default));
        Assert.Equal(["3", "2"], (await outbox.ListAttemptsAsync("wh_a", new PageRequest(10, null), default)).Items.Select(a => a.AttemptId));
        Assert.Equal(["3", "2"], (await outbox.ListNotificationAttemptsAsync(["N-1"], 10, default)).Select(a => a.AttemptId));
        Assert.Equal(["3", "2"], (await outbox.ListNotificationAttemptsAsync(["N-1", "N-2"], 2, default)).Select(a => a.AttemptId));
        Assert.Equal(["1"], (await outbox.ListNotificationAttemptsAsync(["N-2", "N-NONE"], 10, default)).Select(a => a.AttemptId));

        // Re-enabled, the pending delivery resumes; a redelivery sends a delivered notification again as a fresh delivery.
        await subscriptions.SetEnabledAsync("wh_a", true, null, default);
        Assert.True(await outbox.RedeliverAsync("wh_b", "N-2", T0.AddHours(1), default));
        Assert.False(await outbox.RedeliverAsync("wh_b", "N-NONE", T0.AddHours(1), default));
        Assert.Equal(
            [("wh_a", "N-1", 3), ("wh_b", "N-2", 1)],
            (await outbox.ClaimAsync(10, T0.AddHours(1), TimeSpan.FromSeconds(30), default)).Select(d => (d.SubscriptionId, d.Notification.NotificationId, d.Attempt)).Order());
    }

    [Fact]
    public async Task Retention_removes_old_settled_deliveries_and_log_entries_but_never_a_pending_delivery()
    {
        var subscriptions = new PostgresWebhookSubscriptions(dataSource);
        var outbox = new PostgresWebhookDeliveries(dataSource);
        await subscriptions.CreateAsync(Subscription("wh_r", null, CrmNotificationKind.DeliveryConfirmed), default);
        await Sql.ExecuteAsync(
            settings.ProviderConnectionString,
            """
            INSERT INTO crm_notification (notification_id, customer_id, kind, subject, text, occurred_at) VALUES
                ('R-OLD', 'C-1', 0, 'shipment/S-1', 'delivered', '2026-10-01T08:00:00Z'),
                ('R-PENDING', 'C-1', 0, 'shipment/S-2', 'delivered', '2026-10-01T08:01:00Z'),
                ('R-NEW', 'C-1', 0, 'shipment/S-3', 'delivered', '2026-11-30T08:00:00Z')
            """);
        var old = T0.AddDays(-60);
        Assert.Equal(3, await outbox.FanOutAsync(10, old, default));
        Assert.Equal(3, (await outbox.ClaimAsync(10, old, TimeSpan.FromSeconds(30), default)).Length);
        await outbox.RecordAsync(Attempt("r1", "wh_r", "R-OLD", 1, old, succeeded: true, next: null), 100, default);
        await outbox.RecordAsync(Attempt("r2", "wh_r", "R-PENDING", 1, old, succeeded: false, next: T0.AddDays(1)), 100, default);
        await outbox.RecordAsync(Attempt("r3", "wh_r", "R-NEW", 1, T0, succeeded: true, next: null), 100, default);

        var removed = await outbox.PurgeAsync(T0.AddDays(-30), default);

        // The old delivered one and both old log entries go; the pending delivery stays, as does everything recent.
        Assert.Equal(3, removed);
        Assert.Equal(["r3"], (await outbox.ListAttemptsAsync("wh_r", new PageRequest(10, null), default)).Items.Select(a => a.AttemptId));
        var deliveries = await Sql.QueryAsync(
            settings.ProviderConnectionString, "SELECT notification_id FROM webhook_delivery ORDER BY notification_id", reader => reader.GetString(0));
        Assert.Equal(["R-NEW", "R-PENDING"], deliveries);
        Assert.Equal(0, await outbox.PurgeAsync(T0.AddDays(-30), default));
    }

    private static StoredWebhookSubscription Subscription(string id, string? customerId, params CrmNotificationKind[] kinds) =>
        new(new WebhookSubscription(id, "https://crm.example.com/hooks", [.. kinds], customerId, null, true, 0, null, T0, null, null), "protected", null);

    private static DeliveryAttempt Attempt(string id, string subscriptionId, string notificationId, int attempt, DateTimeOffset at, bool succeeded, DateTimeOffset? next) =>
        new(id, subscriptionId, notificationId, attempt, at, succeeded ? 204 : 500, succeeded ? null : "The subscriber answered 500.", succeeded, next);
}
