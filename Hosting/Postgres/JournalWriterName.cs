using System.Globalization;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// Who writes to the journal: a silo is named after its membership row (address:port@generation), so the membership
/// change that declares it dead can fence exactly its writes (migration 0023). Tools and tests that write without a
/// silo use a name of their own that no membership row ever has.
/// </summary>
public sealed record JournalWriterName(string Value)
{
    public static JournalWriterName Of(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return new JournalWriterName(string.Create(
            CultureInfo.InvariantCulture, $"{silo.Endpoint.Address}:{silo.Endpoint.Port}@{silo.Generation}"));
    }

    public override string ToString() => Value;
}
