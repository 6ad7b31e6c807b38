namespace ShipmentGrid.Journal;

/// <summary>
/// The cluster declared this silo dead, so its journal writer is fenced: nothing was written, and nothing this silo
/// runs will be. The grains it hosted already live on other silos; the caller retries there.
/// </summary>
[GenerateSerializer, Alias("sg.journal-writer-fenced")]
public sealed class JournalWriterFencedException : Exception
{
    public JournalWriterFencedException()
        : base("This silo was declared dead by the cluster; its journal writes are fenced.")
    {
    }

    public JournalWriterFencedException(string message)
        : base(message)
    {
    }

    public JournalWriterFencedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
