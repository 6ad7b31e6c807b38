using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// Removes settled webhook deliveries and logged attempts older than <see cref="WebhookOptions.RetentionDays"/>, at start
/// and then every <see cref="WebhookOptions.RetentionInterval"/>, so the outbox and its log do not grow with history.
/// Every API process runs it; the purge deletes in bounded batches, and concurrent ones only find less to delete.
/// </summary>
public sealed class WebhookRetention(IWebhookDeliveries deliveries, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookRetention> logger)
    : PeriodicPurge(clock, logger)
{
    protected override string What => "Webhook delivery";

    protected override TimeSpan Interval => options.Value.RetentionInterval;

    protected override Task<long> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        deliveries.PurgeAsync(now.AddDays(-options.Value.RetentionDays), cancellationToken);
}
