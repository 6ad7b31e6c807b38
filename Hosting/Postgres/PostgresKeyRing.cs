using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The Data Protection key ring in <c>data_protection_key</c> (migration 0018), so every API process and silo decrypts
/// what another encrypted. Data Protection calls a repository synchronously, rarely (on start and when a key is due).
/// </summary>
public sealed class PostgresKeyRing(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = GridSql.ReadDataProtectionKeys.CreateCommand(dataSource);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var command = GridSql.StoreDataProtectionKey.CreateCommand(dataSource, friendlyName, element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
