namespace ShipmentGrid.Journal;

/// <summary>The <c>Journal</c> configuration section: partitioning and how readers follow the journal.</summary>
public sealed class JournalOptions
{
    public const string Section = "Journal";

    /// <summary>Fixed for the life of a database: stored rows keep their partition, and the grid refuses to start with another count.</summary>
    public int Partitions { get; set; } = 16;

    /// <summary>How often an idle reader looks for newly committed events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Events a reader takes per read; the checkpoint advances once per page.</summary>
    public int PageSize { get; set; } = 512;

    /// <summary>How long one reader turn may go on before it yields (the next tick continues).</summary>
    public TimeSpan TurnBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Failures of a follower on one event before the event is dead-lettered; unavailable silos or timeouts do not count.</summary>
    public int MaxDeliveryAttempts { get; set; } = 5;

    /// <summary>First wait before a failed delivery is tried again; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often every silo makes sure each partition's reader is active somewhere.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Appends a process's journal writer holds while earlier ones commit; past it, appends wait for room (<see cref="SaturationWait"/>).</summary>
    public int WriterQueueCapacity { get; set; } = 4096;

    /// <summary>
    /// How long an append that finds the writer's queue full waits for room before it is refused as saturated: a burst is
    /// absorbed as latency, while a database that stays behind still refuses (the API answers 503) instead of holding
    /// callers until they time out.
    /// </summary>
    public TimeSpan SaturationWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Reader lag counts unread events up to this many (exact totals over a large backlog are not worth their cost).</summary>
    public int LagCountCap { get; set; } = 100_000;

    public void Validate()
    {
        if (Partitions is < 1 or > 1024)
        {
            throw new InvalidOperationException($"{Section}:Partitions ({Partitions}) must be between 1 and 1024.");
        }

        if (PageSize < 1 || MaxDeliveryAttempts < 1 || LagCountCap < 1 || WriterQueueCapacity < 1)
        {
            throw new InvalidOperationException($"{Section}:PageSize, MaxDeliveryAttempts, LagCountCap and WriterQueueCapacity must be positive.");
        }

        if (PollInterval <= TimeSpan.Zero || KeepAliveInterval <= TimeSpan.Zero || RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay || TurnBudget <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}: intervals must be positive and MaxRetryDelay at least RetryDelay.");
        }

        if (SaturationWait < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:SaturationWait must not be negative.");
        }
    }
}
