using System.Text;

namespace ShipmentGrid.Journal;

/// <summary>
/// Which partition a journal stream belongs to. Stream ids read <c>kind/key[/...]</c>; the partition follows the
/// key alone, so every stream of one shipment (its history, its queued carrier events) shares one partition and
/// is read in commit order by one reader. The hash is FNV-1a over UTF-8, fixed here rather than taken from the
/// runtime, because stored rows keep the partition it chose.
/// </summary>
public static class JournalPartitioning
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static string PartitionKey(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var start = streamId.IndexOf('/', StringComparison.Ordinal) + 1;
        var end = start == 0 ? -1 : streamId.IndexOf('/', start);
        return start == 0 ? streamId : end < 0 ? streamId[start..] : streamId[start..end];
    }

    public static int PartitionOf(string streamId, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        var hash = OffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(PartitionKey(streamId)))
        {
            hash = (hash ^ b) * Prime;
        }

        return (int)(hash % (uint)partitionCount);
    }

    /// <summary>The kind of a stream (the part before the first slash): what its events are and who follows them.</summary>
    public static string KindOf(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var slash = streamId.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? streamId : streamId[..slash];
    }
}
