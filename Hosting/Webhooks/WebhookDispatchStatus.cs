namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>How this process's webhook rounds went lately: what the health check reports.</summary>
public sealed class WebhookDispatchStatus
{
    private int failedRoundsInARow;

    public int FailedRoundsInARow => Volatile.Read(ref failedRoundsInARow);

    public void RoundSucceeded() => Volatile.Write(ref failedRoundsInARow, 0);

    public void RoundFailed() => Interlocked.Increment(ref failedRoundsInARow);
}
