using System.Globalization;
using Npgsql;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// The built-in ERP ledger of PostgreSQL mode, read directly: one <c>erp_invoice</c> row and one <c>invoice</c> entry of
/// <c>erp_receivable_entry</c> per invoice the grid shows Posted, each for its total, and none for the run's other
/// invoices. Invoices are numbered <c>INV-{shipment id}</c> (README, "Billing rules"); the run's customers are its own.
/// </summary>
internal static class ErpLedger
{
    private const string InvoiceRows = "SELECT invoice_number, total FROM erp_invoice WHERE invoice_number = ANY($1)";

    private const string ReceivableRows = "SELECT customer_id, reference, amount FROM erp_receivable_entry WHERE kind = 'invoice' AND customer_id = ANY($1)";

    public static async Task<IReadOnlyList<Difference>> CompareAsync(
        string connectionString, AcknowledgementLedger ledger, IReadOnlyDictionary<string, SeenShipment> shipments, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.SearchPath ??= "shipmentgrid";
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        var posted = shipments.Values.Where(seen => seen.InvoiceStatus == "Posted" && seen.InvoiceNumber is not null)
            .ToDictionary(seen => seen.InvoiceNumber!, seen => seen.InvoiceTotal ?? 0, StringComparer.Ordinal);
        var uncertain = ledger.Shipments.Values.Where(shipment => shipment.Uncertain).Select(shipment => "INV-" + shipment.ShipmentId).ToHashSet(StringComparer.Ordinal);
        var invoices = await QueryAsync(
            connection, InvoiceRows, [.. ledger.Shipments.Keys.Select(id => "INV-" + id)], reader => (Number: reader.GetString(0), Total: reader.GetDecimal(1)), cancellationToken);
        var receivables = await QueryAsync(
            connection, ReceivableRows, [.. ledger.Customers.Keys], reader => (Customer: reader.GetString(0), Number: reader.GetString(1), Amount: reader.GetDecimal(2)), cancellationToken);

        var differences = new List<Difference>();
        foreach (var (number, total) in posted)
        {
            var headers = invoices.Where(row => row.Number == number).Select(row => row.Total).ToList();
            var entries = receivables.Where(row => row.Number == number).Select(row => row.Amount).ToList();
            if (headers.Count != 1 || headers[0] != total || entries.Count != 1 || entries[0] != total)
            {
                differences.Add(new Difference(
                    "erp-ledger-disagrees",
                    number,
                    $"posted for {Show(total)}; erp_invoice totals [{string.Join(", ", headers.Select(Show))}], receivable entries [{string.Join(", ", entries.Select(Show))}]"));
            }
        }

        foreach (var stray in invoices.Select(row => row.Number).Concat(receivables.Select(row => row.Number))
            .Where(number => !posted.ContainsKey(number) && !uncertain.Contains(number))
            .Distinct(StringComparer.Ordinal))
        {
            differences.Add(new Difference("erp-ledger-stray", stray, "in the ERP ledger, but the grid does not show the invoice Posted"));
        }

        return differences;
    }

    private static async Task<List<T>> QueryAsync<T>(
        NpgsqlConnection connection, string sql, string[] values, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = values } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static string Show(decimal amount) => amount.ToString("0.00##", CultureInfo.InvariantCulture);
}
