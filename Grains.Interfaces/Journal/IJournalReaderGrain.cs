using Orleans.Concurrency;

namespace ShipmentGrid.Journal;

/// <summary>
/// The one reader of a journal partition (keyed by the partition number): it carries every committed event of
/// the partition, in commit order, to the grains that follow it, and keeps a durable checkpoint of how far it got.
/// </summary>
[Alias("sg.IJournalReaderGrain")]
public interface IJournalReaderGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the reader if it is not running; every silo calls it periodically, so a reader whose silo died resumes elsewhere.</summary>
    [Alias("Ensure"), AlwaysInterleave]
    Task Ensure();

    /// <summary>How far behind the journal this partition's reader is.</summary>
    [Alias("GetLag"), AlwaysInterleave]
    Task<JournalLag> GetLag();
}

/// <summary>
/// Reader lag of one partition: committed events not yet followed (counted up to a cap) and the age of the oldest
/// of them, in seconds (zero when none waits).
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.journal-lag.v1")]
public sealed record JournalLag(
    [Id(0)] int Partition,
    [Id(1)] long Events,
    [Id(2)] double Seconds,
    [Id(3)] long DeadLetters,
    [Id(4)] DateTimeOffset? CheckpointAt);
