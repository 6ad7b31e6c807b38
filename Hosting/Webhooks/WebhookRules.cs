using System.Globalization;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>The delivery rules as plain functions: when a failed delivery is tried again, and why a subscription stopped.</summary>
public static class WebhookRules
{
    /// <summary>
    /// When attempt <paramref name="attempt"/> (1-based) having failed, the next is due: the base delay doubled per
    /// attempt, capped, then jittered to between half and all of it (so subscribers that failed together do not retry
    /// together); null once <see cref="WebhookOptions.MaxAttempts"/> were made.
    /// </summary>
    public static DateTimeOffset? NextAttemptAt(DateTimeOffset now, int attempt, WebhookOptions options, double jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (attempt >= options.MaxAttempts)
        {
            return null;
        }

        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, options.RetryMaxDelay.TotalMilliseconds);
        return now + TimeSpan.FromMilliseconds(capped * (0.5 + (Math.Clamp(jitter, 0, 1) / 2)));
    }

    public static string DisabledReason(int failures) =>
        string.Create(CultureInfo.InvariantCulture, $"Disabled after {failures} failed deliveries in a row.");
}
