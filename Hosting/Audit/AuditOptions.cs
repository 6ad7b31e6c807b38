namespace ShipmentGrid.Hosting.Audit;

/// <summary>The <c>Audit</c> configuration section: the writer's queue and batches, how long a request waits for its entry, retention.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Entries waiting for their commit; past it a request waits for room (up to <see cref="CommitWait"/>).</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>Entries one insert takes at most.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>How long a request waits for its entry to be stored before it answers anyway.</summary>
    public TimeSpan CommitWait { get; set; } = TimeSpan.FromSeconds(5);

    public int RetentionDays { get; set; } = 400;

    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    public void Validate()
    {
        if (QueueCapacity < 1 || MaxBatchSize < 1)
        {
            throw new InvalidOperationException($"{Section}:QueueCapacity and {Section}:MaxBatchSize must be at least 1.");
        }

        if (CommitWait <= TimeSpan.Zero || RetentionInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:CommitWait and {Section}:RetentionInterval must be positive.");
        }

        if (RetentionDays < 1)
        {
            throw new InvalidOperationException($"{Section}:RetentionDays must be at least 1.");
        }
    }
}
