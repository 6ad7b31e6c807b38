using ShipmentGrid.Operations;

namespace ShipmentGrid.Billing;

/// <summary>DOMAIN billing rule: a failed posting is retried with backoff, and repeated failures open an erp-failure exception.</summary>
public static class ErpRetry
{
    /// <summary>Failed attempts after which people are told; a few short ERP outages should not page finance.</summary>
    public const int FailuresBeforeException = 5;

    /// <summary>
    /// Doubling delay after each failure (by default 1, 2, 4 ... minutes), capped so a recovered ERP is not left idle for long.
    /// </summary>
    public static TimeSpan DelayAfter(int failedAttempts, TimeSpan firstDelay, TimeSpan longestDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var delay = firstDelay * Math.Pow(2, Math.Min(failedAttempts - 1, 16));
        return delay < longestDelay ? delay : longestDelay;
    }

    /// <summary>
    /// What callers, finance's queue and the journal are told about a failed posting. The ERP's own error text (and
    /// whatever PostgreSQL or the network said) goes to the structured log only: it can carry hosts, SQL and data.
    /// </summary>
    public const string PostingFailed = "ERP posting failed; the grid retries.";

    /// <summary>The erp-failure exception to open after this failure, or null when it is too early or one is already open.</summary>
    public static ExceptionItem? ExceptionFor(string invoiceNumber, int failedAttempts, ExceptionItem? open, DateTimeOffset now) =>
        failedAttempts < FailuresBeforeException || open is { IsOpen: true }
            ? null
            : new ExceptionItem(
                $"erp-failure/{invoiceNumber}/{failedAttempts}",
                ExceptionQueue.ErpFailure,
                $"invoice/{invoiceNumber}",
                $"ERP posting failed {failedAttempts} times; the grid retries with backoff (details in the log).",
                now,
                OwnerTeam.Finance | OwnerTeam.Operations,
                Resolution: null,
                ResolvedAt: null);
}
