namespace ShipmentGrid.Edi;

/// <summary>
/// An interchange as received, kept for audit and lineage: the raw X12, the 997 answered, and the summary (JSON) of what
/// it did. Its control number is how a partner's resend is recognised and answered again without reprocessing.
/// </summary>
public sealed record StoredInterchange(
    string CarrierId,
    string ControlNumber,
    DateTimeOffset ReceivedAt,
    string Raw,
    string? Acknowledgement,
    string Summary);

/// <summary>Received interchanges per carrier and control number: PostgreSQL in a cluster, memory in the embedded grid.</summary>
public interface IEdiInterchanges
{
    /// <summary>Keeps the interchange unless its carrier already sent that control number; whether it was kept.</summary>
    Task<bool> TryAddAsync(StoredInterchange interchange, CancellationToken cancellationToken);

    Task<StoredInterchange?> FindAsync(string carrierId, string controlNumber, CancellationToken cancellationToken);
}

/// <summary>The embedded grid's interchanges, gone with the process like the rest of its state.</summary>
public sealed class InMemoryEdiInterchanges : IEdiInterchanges
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), StoredInterchange> interchanges = new();

    public Task<bool> TryAddAsync(StoredInterchange interchange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interchange);
        return Task.FromResult(interchanges.TryAdd((interchange.CarrierId, interchange.ControlNumber), interchange));
    }

    public Task<StoredInterchange?> FindAsync(string carrierId, string controlNumber, CancellationToken cancellationToken) =>
        Task.FromResult(interchanges.GetValueOrDefault((carrierId, controlNumber)));
}
