using Npgsql;
using ShipmentGrid.Edi;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>Received interchanges in <c>edi_interchange</c> (migration 0017), one row per carrier and control number.</summary>
public sealed class PostgresEdiInterchanges(NpgsqlDataSource dataSource) : IEdiInterchanges
{
    public async Task<bool> TryAddAsync(StoredInterchange interchange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interchange);
        await using var command = GridSql.AddEdiInterchange.CreateCommand(
            dataSource, interchange.CarrierId, interchange.ControlNumber, interchange.ReceivedAt, interchange.Raw, interchange.Acknowledgement, interchange.Summary);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<StoredInterchange?> FindAsync(string carrierId, string controlNumber, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindEdiInterchange.CreateCommand(dataSource, carrierId, controlNumber);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredInterchange(
                carrierId,
                controlNumber,
                reader.GetFieldValue<DateTimeOffset>(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3))
            : null;
    }
}
