using System.Collections.Immutable;
using ShipmentGrid.CustomerService;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// A notification due for one subscriber, with the number of this attempt (1 for the first) and, where the outbox kept
/// it, the trace context of the span that queued the notification.
/// </summary>
public sealed record DueDelivery(string SubscriptionId, CrmNotification Notification, int Attempt, string? TraceParent = null);

/// <summary>
/// One attempt in a subscription's delivery log: the answer's status (null when none came), the error, and when the
/// next attempt is due (null when delivered or given up).
/// </summary>
public sealed record DeliveryAttempt(
    string AttemptId,
    string SubscriptionId,
    string NotificationId,
    int Attempt,
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    string? Error,
    bool Succeeded,
    DateTimeOffset? NextAttemptAt);

/// <summary>
/// The webhook outbox, durable in PostgreSQL: CRM notifications are handed out to every enabled subscription that
/// wants them (each once), and each (subscription, notification) pair is a delivery of its own, claimed under a lease,
/// retried on its own schedule, so one failing subscriber never holds back another. A crash between a send and its
/// record leaves the lease to expire and the delivery to be sent again: at least once, with the same id.
/// </summary>
public interface IWebhookDeliveries
{
    /// <summary>Hands out at most <paramref name="limit"/> notifications not handed out yet; how many were taken.</summary>
    Task<int> FanOutAsync(int limit, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Pending deliveries due by now to enabled subscriptions, leased to the caller until now + lease.</summary>
    Task<ImmutableArray<DueDelivery>> ClaimAsync(int limit, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Logs the attempt and settles its delivery: delivered, due again at <see cref="DeliveryAttempt.NextAttemptAt"/>, or
    /// given up. A success clears the subscription's failure streak; a failure lengthens it, and at
    /// <paramref name="disableAfter"/> failures in a row the subscription is disabled.
    /// </summary>
    Task RecordAsync(DeliveryAttempt attempt, int disableAfter, CancellationToken cancellationToken);

    /// <summary>The subscription's attempts newest first.</summary>
    Task<Page<DeliveryAttempt>> ListAttemptsAsync(string subscriptionId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>The attempts to deliver any of <paramref name="notificationIds"/>, to any subscription, newest first, at most <paramref name="limit"/>.</summary>
    Task<ImmutableArray<DeliveryAttempt>> ListNotificationAttemptsAsync(IReadOnlyCollection<string> notificationIds, int limit, CancellationToken cancellationToken);

    /// <summary>Queues a past notification again for the subscription, due now; false when the notification is not kept.</summary>
    Task<bool> RedeliverAsync(string subscriptionId, string notificationId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Removes deliveries settled (delivered or given up) before <paramref name="cutoff"/> and attempts logged before it;
    /// pending deliveries stay whatever their age. The number of rows removed.
    /// </summary>
    Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}

/// <summary>The embedded grid's outbox, fed from the in-memory read models, as long as the process lives.</summary>
public sealed class InMemoryWebhookDeliveries(InMemoryReadModels readModels, IWebhookSubscriptions subscriptions) : IWebhookDeliveries
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string SubscriptionId, string NotificationId), Pending> pending = [];
    private readonly List<DeliveryAttempt> attempts = [];

    public async Task<int> FanOutAsync(int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var taken = readModels.TakeUndeliveredNotifications(limit);
        if (taken.IsEmpty)
        {
            return 0;
        }

        var enabled = await EnabledAsync(cancellationToken);
        lock (gate)
        {
            foreach (var (notification, traceParent) in taken)
            {
                foreach (var subscription in enabled.Where(subscription => subscription.Wants(notification)))
                {
                    pending.TryAdd((subscription.SubscriptionId, notification.NotificationId), new Pending(notification, now, 0, null, traceParent));
                }
            }
        }

        return taken.Length;
    }

    public async Task<ImmutableArray<DueDelivery>> ClaimAsync(int limit, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        var enabled = (await EnabledAsync(cancellationToken)).Select(subscription => subscription.SubscriptionId).ToHashSet(StringComparer.Ordinal);
        lock (gate)
        {
            var due = pending
                .Where(entry => enabled.Contains(entry.Key.SubscriptionId) && entry.Value.DueAt <= now && !(entry.Value.LeasedUntil > now))
                .OrderBy(entry => entry.Value.DueAt)
                .Take(limit)
                .ToList();
            foreach (var (key, delivery) in due)
            {
                pending[key] = delivery with { Attempts = delivery.Attempts + 1, LeasedUntil = now + lease };
            }

            return [.. due.Select(entry => new DueDelivery(entry.Key.SubscriptionId, entry.Value.Notification, entry.Value.Attempts + 1, entry.Value.TraceParent))];
        }
    }

    public Task RecordAsync(DeliveryAttempt attempt, int disableAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        lock (gate)
        {
            attempts.Add(attempt);
            var key = (attempt.SubscriptionId, attempt.NotificationId);
            if (attempt.Succeeded || attempt.NextAttemptAt is null)
            {
                pending.Remove(key);
            }
            else if (pending.TryGetValue(key, out var delivery))
            {
                pending[key] = delivery with { DueAt = attempt.NextAttemptAt.Value, LeasedUntil = null };
            }
        }

        if (subscriptions is InMemoryWebhookSubscriptions memory)
        {
            memory.RecordOutcome(attempt.SubscriptionId, attempt.Succeeded, disableAfter);
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<DeliveryAttempt>> ListNotificationAttemptsAsync(IReadOnlyCollection<string> notificationIds, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notificationIds);
        lock (gate)
        {
            return Task.FromResult<ImmutableArray<DeliveryAttempt>>([.. attempts
                .Where(attempt => notificationIds.Contains(attempt.NotificationId))
                .OrderByDescending(attempt => attempt.AttemptedAt)
                .ThenByDescending(attempt => attempt.AttemptId, StringComparer.Ordinal)
                .Take(limit)]);
        }
    }

    public Task<Page<DeliveryAttempt>> ListAttemptsAsync(string subscriptionId, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? (KeysetCursor?)null
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        lock (gate)
        {
            var items = attempts
                .Where(attempt => attempt.SubscriptionId == subscriptionId)
                .OrderByDescending(attempt => attempt.AttemptedAt)
                .ThenByDescending(attempt => attempt.AttemptId, StringComparer.Ordinal)
                .Where(attempt => after is not { } cursor
                    || attempt.AttemptedAt < cursor.At
                    || (attempt.AttemptedAt == cursor.At && string.CompareOrdinal(attempt.AttemptId, cursor.Id) < 0))
                .Take(limit + 1)
                .ToList();
            return Task.FromResult(KeysetCursor.PageOf(items, limit, attempt => new KeysetCursor(attempt.AttemptedAt, attempt.AttemptId)));
        }
    }

    public Task<bool> RedeliverAsync(string subscriptionId, string notificationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (readModels.FindNotification(notificationId) is not { } notification)
        {
            return Task.FromResult(false);
        }

        lock (gate)
        {
            pending[(subscriptionId, notificationId)] = new Pending(notification, now, 0, null, TraceParent: null);
        }

        return Task.FromResult(true);
    }

    /// <summary>Settled deliveries leave the pending set when they settle, so only the log has anything to remove.</summary>
    public Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult((long)attempts.RemoveAll(attempt => attempt.AttemptedAt < cutoff));
        }
    }

    private async Task<List<WebhookSubscription>> EnabledAsync(CancellationToken cancellationToken)
    {
        var enabled = new List<WebhookSubscription>();
        string? after = null;
        do
        {
            var page = await subscriptions.ListAsync(new PageRequest(PageRequest.MaxLimit, after), cancellationToken);
            enabled.AddRange(page.Items.Where(subscription => subscription.Enabled));
            after = page.Next;
        }
        while (after is not null);
        return enabled;
    }

    private sealed record Pending(CrmNotification Notification, DateTimeOffset DueAt, int Attempts, DateTimeOffset? LeasedUntil, string? TraceParent);
}
