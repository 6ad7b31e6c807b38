namespace ShipmentGrid.Journal;

/// <summary>
/// The journal writer's queue is full: the database is not keeping up with the appends. Nothing was written;
/// callers should retry after a short wait (the API answers 503 with Retry-After).
/// </summary>
[GenerateSerializer, Alias("sg.journal-saturated")]
public sealed class JournalSaturatedException : Exception
{
    public JournalSaturatedException()
        : base("The event journal is saturated; retry shortly.")
    {
    }

    public JournalSaturatedException(string message)
        : base(message)
    {
    }

    public JournalSaturatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
