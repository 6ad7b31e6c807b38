using System.Collections.Immutable;
using ShipmentGrid.CustomerService;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// A CRM subscriber: where notifications of some kinds (of one customer, or of all) are POSTed. Never its secrets: the
/// store keeps those encrypted (<see cref="StoredWebhookSubscription"/>) and the API shows a secret once, when made.
/// </summary>
public sealed record WebhookSubscription(
    string SubscriptionId,
    string Url,
    ImmutableArray<CrmNotificationKind> EventTypes,
    string? CustomerId,
    string? Description,
    bool Enabled,
    int ConsecutiveFailures,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SecretRotatedAt,
    DateTimeOffset? PreviousSecretExpiresAt)
{
    /// <summary>Whether a notification is for this subscriber: one of its kinds, and its customer when it names one.</summary>
    public bool Wants(CrmNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return EventTypes.Contains(notification.Kind) && (CustomerId is null || CustomerId == notification.CustomerId);
    }
}

/// <summary>
/// A subscription with its signing secrets as <see cref="WebhookSecrets"/> protected them: the current one, and after
/// a rotation the previous one, which keeps signing alongside until <see cref="WebhookSubscription.PreviousSecretExpiresAt"/>.
/// </summary>
public sealed record StoredWebhookSubscription(WebhookSubscription Subscription, string ProtectedSecret, string? ProtectedPreviousSecret);

/// <summary>Where subscriptions live: PostgreSQL in a cluster, memory in the embedded grid.</summary>
public interface IWebhookSubscriptions
{
    Task CreateAsync(StoredWebhookSubscription subscription, CancellationToken cancellationToken);

    Task<StoredWebhookSubscription?> FindAsync(string subscriptionId, CancellationToken cancellationToken);

    /// <summary>Subscriptions newest first (created at, then id, both descending).</summary>
    Task<Page<WebhookSubscription>> ListAsync(PageRequest page, CancellationToken cancellationToken);

    /// <summary>
    /// Enables (clearing the failure streak and the reason) or disables (with a reason) a subscription; null when there
    /// is no such subscription.
    /// </summary>
    Task<WebhookSubscription?> SetEnabledAsync(string subscriptionId, bool enabled, string? reason, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="protectedSecret"/> the current secret and the current one the previous, kept until
    /// <paramref name="previousExpiresAt"/>; null when there is no such subscription.
    /// </summary>
    Task<WebhookSubscription?> RotateSecretAsync(
        string subscriptionId, string protectedSecret, DateTimeOffset rotatedAt, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken);

    /// <summary>Removes a subscription; false when there was none.</summary>
    Task<bool> DeleteAsync(string subscriptionId, CancellationToken cancellationToken);
}

/// <summary>The embedded grid's subscriptions, as long as the process lives.</summary>
public sealed class InMemoryWebhookSubscriptions : IWebhookSubscriptions
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, StoredWebhookSubscription> subscriptions = new(StringComparer.Ordinal);

    public Task CreateAsync(StoredWebhookSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (gate)
        {
            subscriptions.Add(subscription.Subscription.SubscriptionId, subscription);
        }

        return Task.CompletedTask;
    }

    public Task<StoredWebhookSubscription?> FindAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(subscriptions.GetValueOrDefault(subscriptionId));
        }
    }

    public Task<Page<WebhookSubscription>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? (KeysetCursor?)null
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        lock (gate)
        {
            var items = subscriptions.Values
                .Select(stored => stored.Subscription)
                .OrderByDescending(subscription => subscription.CreatedAt)
                .ThenByDescending(subscription => subscription.SubscriptionId, StringComparer.Ordinal)
                .Where(subscription => after is not { } cursor
                    || subscription.CreatedAt < cursor.At
                    || (subscription.CreatedAt == cursor.At && string.CompareOrdinal(subscription.SubscriptionId, cursor.Id) < 0))
                .Take(limit + 1)
                .ToList();
            return Task.FromResult(KeysetCursor.PageOf(items, limit, subscription => new KeysetCursor(subscription.CreatedAt, subscription.SubscriptionId)));
        }
    }

    public Task<WebhookSubscription?> SetEnabledAsync(string subscriptionId, bool enabled, string? reason, CancellationToken cancellationToken) =>
        Task.FromResult(Update(subscriptionId, stored => stored with
        {
            Subscription = stored.Subscription with
            {
                Enabled = enabled,
                ConsecutiveFailures = enabled ? 0 : stored.Subscription.ConsecutiveFailures,
                DisabledReason = enabled ? null : reason,
            },
        }));

    public Task<WebhookSubscription?> RotateSecretAsync(
        string subscriptionId, string protectedSecret, DateTimeOffset rotatedAt, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken) =>
        Task.FromResult(Update(subscriptionId, stored => new StoredWebhookSubscription(
            stored.Subscription with { SecretRotatedAt = rotatedAt, PreviousSecretExpiresAt = previousExpiresAt },
            protectedSecret,
            stored.ProtectedSecret)));

    public Task<bool> DeleteAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(subscriptions.Remove(subscriptionId));
        }
    }

    /// <summary>A delivery's outcome: a success clears the streak, a failure lengthens it and disables at <paramref name="disableAfter"/>.</summary>
    public void RecordOutcome(string subscriptionId, bool succeeded, int disableAfter) =>
        Update(subscriptionId, stored =>
        {
            var subscription = stored.Subscription;
            var failures = succeeded ? 0 : subscription.ConsecutiveFailures + 1;
            var disable = subscription.Enabled && failures >= disableAfter;
            return stored with
            {
                Subscription = subscription with
                {
                    ConsecutiveFailures = failures,
                    Enabled = subscription.Enabled && !disable,
                    DisabledReason = disable ? WebhookRules.DisabledReason(failures) : subscription.DisabledReason,
                },
            };
        });

    private WebhookSubscription? Update(string subscriptionId, Func<StoredWebhookSubscription, StoredWebhookSubscription> change)
    {
        lock (gate)
        {
            if (!subscriptions.TryGetValue(subscriptionId, out var stored))
            {
                return null;
            }

            var updated = change(stored);
            subscriptions[subscriptionId] = updated;
            return updated.Subscription;
        }
    }
}
