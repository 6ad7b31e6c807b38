namespace ShipmentGrid;

/// <summary>
/// The database failed a grain's work. Grains throw the database client's own exceptions, which Orleans cannot carry
/// back to a caller; the silo's <c>StorageFailureTranslation</c> filter turns them into this one, which it can.
/// <see cref="Transient"/> says the database was away or overloaded (worth waiting out: the API answers 503 with
/// Retry-After), not that it refused the work.
/// </summary>
[GenerateSerializer, Alias("sg.storage-failure")]
public sealed class StorageFailureException : Exception
{
    public StorageFailureException()
    {
    }

    public StorageFailureException(string message)
        : base(message)
    {
    }

    public StorageFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageFailureException(string message, bool transient)
        : base(message)
    {
        Transient = transient;
    }

    [Id(0)]
    public bool Transient { get; init; }
}
