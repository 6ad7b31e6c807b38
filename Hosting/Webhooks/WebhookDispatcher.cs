using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// Sends the webhook outbox, in the API process: outside any grain's turn, near the subscriptions and their keys, and
/// with slow third-party endpoints kept away from the silos' threads. Each round hands new notifications out to the
/// subscriptions, claims the deliveries due (under a lease, so several API processes share the work without sending a
/// delivery twice at once) and sends them concurrently; each attempt is logged and settled on its own, so a failing
/// subscriber only ever delays its own deliveries.
/// </summary>
public sealed partial class WebhookDispatcher(
    IWebhookDeliveries deliveries,
    IWebhookSubscriptions subscriptions,
    WebhookSecrets secrets,
    IHttpClientFactory httpClients,
    IOptions<WebhookOptions> options,
    WebhookDispatchStatus status,
    GridMetrics metrics,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";

    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy = await RunRoundAsync(stoppingToken);
                status.RoundSucceeded();
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The outbox keeps everything: the next round picks up where this one failed.
                status.RoundFailed();
                LogRoundFailed(logger, exception);
            }

            if (!busy)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One round; whether it found anything to do (then the next starts at once).</summary>
    public async Task<bool> RunRoundAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var handedOut = await deliveries.FanOutAsync(settings.BatchSize * 4, now, cancellationToken);
        var lease = settings.AttemptTimeout * 3;
        var due = await deliveries.ClaimAsync(settings.BatchSize, now, lease, cancellationToken);
        await Task.WhenAll(due.Select(delivery => DeliverAsync(delivery, cancellationToken)));
        return handedOut > 0 || !due.IsEmpty;
    }

    /// <summary>The body a subscriber receives: the notification's stable id, its kind, when it happened, and its data.</summary>
    public static byte[] PayloadOf(CrmNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return JsonSerializer.SerializeToUtf8Bytes(
            new WebhookPayload(
                notification.NotificationId,
                notification.Kind.ToString(),
                notification.OccurredAt,
                new WebhookPayloadData(notification.CustomerId, notification.Subject, notification.Text)),
            PayloadJson);
    }

    private async Task DeliverAsync(DueDelivery delivery, CancellationToken cancellationToken)
    {
        // Continues the trace of the span that queued the notification; its HTTP call is this span's child.
        using var activity = GridTracing.StartProcessing("webhook deliver", GridTracing.WebhookSystem, "crm_notification", [delivery.TraceParent])
            .TagNotification(delivery.Notification)
            .Tag("shipmentgrid.webhook.subscription", delivery.SubscriptionId);
        activity?.SetTag("shipmentgrid.webhook.attempt", delivery.Attempt);
        var settings = options.Value;
        var started = clock.GetUtcNow();
        int? status = null;
        string? error = null;
        try
        {
            var stored = await subscriptions.FindAsync(delivery.SubscriptionId, cancellationToken);
            if (stored is null)
            {
                return;
            }

            var body = PayloadOf(delivery.Notification);
            using var request = new HttpRequestMessage(HttpMethod.Post, stored.Subscription.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(StandardWebhookSigner.IdHeader, delivery.Notification.NotificationId);
            request.Headers.Add(StandardWebhookSigner.TimestampHeader, StandardWebhookSigner.UnixSeconds(started));
            request.Headers.Add(StandardWebhookSigner.SignatureHeader, StandardWebhookSigner.Sign(SecretsOf(stored, started), delivery.Notification.NotificationId, started, body));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.AttemptTimeout);
            using var response = await httpClients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            error = response.IsSuccessStatusCode ? null : $"The subscriber answered {status}.";
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever stops a send (refused connection, timeout, a target that now resolves inside the network) is a failed attempt.
            error = exception is OperationCanceledException ? $"No answer within {settings.AttemptTimeout}." : exception.Message;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var succeeded = status is >= 200 and < 300;
        if (!succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, status is { } answered ? $"The subscriber answered {answered}." : "No answer.");
        }

        var now = clock.GetUtcNow();
        var attempt = new DeliveryAttempt(
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            delivery.SubscriptionId,
            delivery.Notification.NotificationId,
            delivery.Attempt,
            started,
            status,
            error,
            succeeded,
            succeeded ? null : WebhookRules.NextAttemptAt(now, delivery.Attempt, settings, Random.Shared.NextDouble()));
        await deliveries.RecordAsync(attempt, settings.DisableAfterFailures, CancellationToken.None);
        metrics.WebhookAttempt(succeeded);
        if (!succeeded)
        {
            LogAttemptFailed(logger, delivery.SubscriptionId, delivery.Notification.NotificationId, delivery.Attempt, error);
        }
    }

    /// <summary>The secrets that sign now: the current one, and the previous one while its overlap lasts.</summary>
    private IEnumerable<string> SecretsOf(StoredWebhookSubscription stored, DateTimeOffset now)
    {
        yield return secrets.Unprotect(stored.ProtectedSecret);
        if (stored.ProtectedPreviousSecret is { } previous && stored.Subscription.PreviousSecretExpiresAt > now)
        {
            yield return secrets.Unprotect(previous);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook round failed; the next round tries again.")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {SubscriptionId} attempt {Attempt} of {NotificationId} failed: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string subscriptionId, string notificationId, int attempt, string? error);
}

/// <summary>The JSON a subscriber receives.</summary>
public sealed record WebhookPayload(string Id, string Type, DateTimeOffset Timestamp, WebhookPayloadData Data);

public sealed record WebhookPayloadData(string CustomerId, string Subject, string Text);
