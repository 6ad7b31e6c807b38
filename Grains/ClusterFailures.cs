namespace ShipmentGrid;

/// <summary>
/// Failures that say a grain could not be reached (its silo died or the cluster is failing over, a call timed out,
/// the database is briefly away) or that the journal's writer is behind and refused an append for now, not that the
/// work was refused: worth waiting out and trying again.
/// </summary>
public static class ClusterFailures
{
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException
                or Orleans.Runtime.Messaging.ConnectionFailedException or System.Data.Common.DbException { IsTransient: true }
                or StorageFailureException { Transient: true } or StaleActivationException or Journal.JournalWriterFencedException
                or Journal.JournalSaturatedException
            || (exception.InnerException is { } inner && IsTransient(inner));
    }
}
