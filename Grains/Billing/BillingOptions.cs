namespace ShipmentGrid.Billing;

/// <summary>
/// The <c>Billing</c> configuration section: how often an unsettled invoice or customer resumes its work, and the
/// backoff of a failed ERP posting. The defaults suit production; tests and a short outage drill shorten them.
/// </summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>The period of the invoice's and the customer's reminders: how soon a cut-short step resumes.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The delay after a first failed posting; each next failure doubles it, up to <see cref="RetryLongestDelay"/>.</summary>
    public TimeSpan RetryFirstDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryLongestDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When a posting that failed <paramref name="failedAttempts"/> times in a row may be tried again.</summary>
    public TimeSpan RetryDelayAfter(int failedAttempts) => ErpRetry.DelayAfter(failedAttempts, RetryFirstDelay, RetryLongestDelay);

    /// <summary>Why the options cannot run, or null when they can.</summary>
    public string? Problem() =>
        ReminderPeriod < TimeSpan.FromSeconds(1) || RetryFirstDelay <= TimeSpan.Zero || RetryLongestDelay < RetryFirstDelay
            ? $"{Section}:ReminderPeriod must be at least a second, {Section}:RetryFirstDelay positive and no longer than {Section}:RetryLongestDelay."
            : null;
}
