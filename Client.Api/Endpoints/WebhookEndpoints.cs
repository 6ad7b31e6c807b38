using System.Collections.Immutable;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ShipmentGrid.Api.Access;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Admins subscribe CRM systems to notifications. A subscription's signing secret is in the answer that creates or
/// rotates it and nowhere else; after a rotation the previous secret keeps signing alongside for
/// <see cref="WebhookOptions.SecretOverlap"/>, so the subscriber can switch without missing a message.
/// </summary>
internal static class WebhookEndpoints
{
    private const int MaxDescriptionLength = 500;
    private const int MaxReasonLength = 500;
    private const int MaxNotificationIdLength = 256;

    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").WithTags("CRM webhooks").RequireAuthorization(AccessPolicies.Admin);
        webhooks.MapPost("/", CreateAsync)
            .WithName("CreateWebhookSubscription")
            .WithSummary("Subscribes a URL to CRM notifications of some kinds, of one customer or all; the signing secret is shown in this answer only.");
        webhooks.MapGet("/", ListAsync)
            .WithName("ListWebhookSubscriptions")
            .WithSummary("Lists subscriptions newest first (never their secrets).");
        webhooks.MapGet("/{subscriptionId}", GetAsync)
            .WithName("GetWebhookSubscription")
            .WithSummary("Reads one subscription (never its secrets).");
        webhooks.MapPatch("/{subscriptionId}", SetEnabledAsync)
            .WithName("SetWebhookSubscriptionEnabled")
            .WithSummary("Enables a subscription (clearing its failure streak) or disables it.");
        webhooks.MapDelete("/{subscriptionId}", DeleteAsync)
            .WithName("DeleteWebhookSubscription")
            .WithSummary("Removes a subscription; nothing more is sent to it.");
        webhooks.MapPost("/{subscriptionId}/rotate-secret", RotateSecretAsync)
            .WithName("RotateWebhookSecret")
            .WithSummary("Mints a new signing secret, shown in this answer only; the previous one keeps signing alongside for the overlap (24 h by default).");
        webhooks.MapGet("/{subscriptionId}/deliveries", ListDeliveriesAsync)
            .WithName("ListWebhookDeliveries")
            .WithSummary("The subscription's delivery log newest first: every attempt, its answer, and when the next is due.");
        webhooks.MapPost("/{subscriptionId}/redeliver", RedeliverAsync)
            .WithName("RedeliverWebhookNotification")
            .WithSummary("Sends a past notification to the subscription again, with the same id, as a fresh delivery.");
        return api;
    }

    private static async Task<Results<Created<WebhookSecretView>, ValidationProblem>> CreateAsync(
        CreateWebhookRequest request,
        IWebhookSubscriptions store,
        WebhookSecrets secrets,
        WebhookTargets targets,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (await targets.RefusalAsync(request.Url, cancellationToken) is { } refusal)
        {
            errors.Add("url", refusal);
        }

        var kinds = EventTypes(request.EventTypes, errors);
        if (request.CustomerId is not null)
        {
            errors.Identifier("customerId", request.CustomerId);
        }

        errors.Text("description", request.Description, MaxDescriptionLength, required: false);
        var found = errors.ToImmutable();
        if (!found.IsEmpty)
        {
            return Problems.Validation(found);
        }

        var secret = WebhookSecrets.Mint();
        var subscription = new WebhookSubscription(
            "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            request.Url!,
            kinds,
            request.CustomerId,
            request.Description,
            Enabled: true,
            ConsecutiveFailures: 0,
            DisabledReason: null,
            clock.GetUtcNow(),
            SecretRotatedAt: null,
            PreviousSecretExpiresAt: null);
        await store.CreateAsync(new StoredWebhookSubscription(subscription, secrets.Protect(secret), null), cancellationToken);
        return TypedResults.Created($"/api/v1/webhooks/{subscription.SubscriptionId}", new WebhookSecretView(subscription, secret));
    }

    private static async Task<Results<Ok<Page<WebhookSubscription>>, ValidationProblem>> ListAsync(
        int? limit, string? after, IWebhookSubscriptions store, CancellationToken cancellationToken)
    {
        var (page, errors) = Paging.Parse(limit, after);
        return errors.IsEmpty ? TypedResults.Ok(await store.ListAsync(page, cancellationToken)) : Problems.Validation(errors);
    }

    private static async Task<Results<Ok<WebhookSubscription>, ProblemHttpResult>> GetAsync(
        string subscriptionId, IWebhookSubscriptions store, CancellationToken cancellationToken) =>
        await store.FindAsync(subscriptionId, cancellationToken) is { } stored
            ? TypedResults.Ok(stored.Subscription)
            : Problems.NotFound("webhook-subscription", subscriptionId);

    private static async Task<Results<Ok<WebhookSubscription>, ValidationProblem, ProblemHttpResult>> SetEnabledAsync(
        string subscriptionId, SetWebhookEnabledRequest request, IWebhookSubscriptions store, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.Enabled is null)
        {
            errors.Add("enabled", "Required: true or false.");
        }

        errors.Text("reason", request.Reason, MaxReasonLength, required: false);
        var found = errors.ToImmutable();
        if (!found.IsEmpty)
        {
            return Problems.Validation(found);
        }

        var reason = request.Enabled == true ? null : request.Reason ?? "Disabled by an admin.";
        return await store.SetEnabledAsync(subscriptionId, request.Enabled!.Value, reason, cancellationToken) is { } subscription
            ? TypedResults.Ok(subscription)
            : Problems.NotFound("webhook-subscription", subscriptionId);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string subscriptionId, IWebhookSubscriptions store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(subscriptionId, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("webhook-subscription", subscriptionId);

    private static async Task<Results<Ok<WebhookSecretView>, ProblemHttpResult>> RotateSecretAsync(
        string subscriptionId,
        IWebhookSubscriptions store,
        WebhookSecrets secrets,
        IOptions<WebhookOptions> options,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var secret = WebhookSecrets.Mint();
        var now = clock.GetUtcNow();
        return await store.RotateSecretAsync(subscriptionId, secrets.Protect(secret), now, now + options.Value.SecretOverlap, cancellationToken) is { } subscription
            ? TypedResults.Ok(new WebhookSecretView(subscription, secret))
            : Problems.NotFound("webhook-subscription", subscriptionId);
    }

    private static async Task<Results<Ok<Page<DeliveryAttempt>>, ValidationProblem, ProblemHttpResult>> ListDeliveriesAsync(
        string subscriptionId, int? limit, string? after, IWebhookSubscriptions store, IWebhookDeliveries deliveries, CancellationToken cancellationToken)
    {
        var (page, errors) = Paging.Parse(limit, after);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        return await store.FindAsync(subscriptionId, cancellationToken) is null
            ? Problems.NotFound("webhook-subscription", subscriptionId)
            : TypedResults.Ok(await deliveries.ListAttemptsAsync(subscriptionId, page, cancellationToken));
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> RedeliverAsync(
        string subscriptionId,
        RedeliverRequest request,
        IWebhookSubscriptions store,
        IWebhookDeliveries deliveries,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Key("notificationId", request.NotificationId, MaxNotificationIdLength);
        var found = errors.ToImmutable();
        if (!found.IsEmpty)
        {
            return Problems.Validation(found);
        }

        if (await store.FindAsync(subscriptionId, cancellationToken) is null)
        {
            return Problems.NotFound("webhook-subscription", subscriptionId);
        }

        return await deliveries.RedeliverAsync(subscriptionId, request.NotificationId!, clock.GetUtcNow(), cancellationToken)
            ? TypedResults.Accepted($"/api/v1/webhooks/{subscriptionId}/deliveries")
            : Problems.NotFound("notification", request.NotificationId!);
    }

    /// <summary>The kinds named, by their names (any case); each bad name is a field error.</summary>
    private static ImmutableArray<CrmNotificationKind> EventTypes(string?[]? names, FieldErrors errors)
    {
        var count = Enum.GetValues<CrmNotificationKind>().Length;
        if (names is not { Length: > 0 } || names.Length > count)
        {
            errors.Add("eventTypes", $"Give 1 to {count} of: {string.Join(", ", Enum.GetNames<CrmNotificationKind>())}.");
            return [];
        }

        var kinds = new SortedSet<CrmNotificationKind>();
        foreach (var name in names)
        {
            if (name is not null && !name.Any(char.IsDigit) && Enum.TryParse<CrmNotificationKind>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind))
            {
                kinds.Add(kind);
            }
            else
            {
                errors.Add("eventTypes", $"'{name}' is not one of: {string.Join(", ", Enum.GetNames<CrmNotificationKind>())}.");
            }
        }

        return [.. kinds];
    }
}

/// <summary>A subscription to make: the target URL, the notification kinds, optionally one customer, a note.</summary>
internal sealed record CreateWebhookRequest(string? Url, string?[]? EventTypes, string? CustomerId, string? Description);

/// <summary>Enable or disable a subscription, with a reason for disabling.</summary>
internal sealed record SetWebhookEnabledRequest(bool? Enabled, string? Reason);

/// <summary>Which past notification to send again.</summary>
internal sealed record RedeliverRequest(string? NotificationId);

/// <summary>The subscription and its new signing secret: store the secret now, it is not shown again.</summary>
internal sealed record WebhookSecretView(WebhookSubscription Subscription, string Secret);
