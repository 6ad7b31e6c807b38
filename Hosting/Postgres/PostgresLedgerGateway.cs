using Npgsql;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The ERP ledger on PostgreSQL (migration 0007). The invoice header, its lines and its receivable entry are
/// written in one transaction, and only by the call whose header insert won the invoice number: a repeated or
/// concurrent posting of the same number writes nothing and answers the first document.
/// </summary>
public sealed class PostgresLedgerGateway(NpgsqlDataSource dataSource) : IErpGateway
{
    public async Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var posted = await InsertHeaderAsync(connection, transaction, invoice, cancellationToken);
            if (posted is not null)
            {
                await InsertLinesAsync(connection, transaction, invoice, cancellationToken);
                await InsertEntryAsync(connection, transaction, invoice.CustomerId, "invoice", invoice.InvoiceNumber, invoice.Total, cancellationToken);
            }
            else
            {
                // A separate statement, so READ COMMITTED takes a new snapshot that sees the winner's committed row
                // (the losing insert waited for it, but its own statement snapshot predates it).
                posted = await ReadPostedAsync(connection, transaction, invoice.InvoiceNumber, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return posted;
        }
        catch (NpgsqlException exception)
        {
            throw new ErpUnavailableException($"The ledger did not take invoice {invoice.InvoiceNumber}: {exception.Message}", exception);
        }
    }

    public async Task RecordPaymentAsync(ErpPayment payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await InsertEntryAsync(connection, null, payment.CustomerId, "payment", payment.PaymentId, payment.Amount with { Amount = -payment.Amount.Amount }, cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            throw new ErpUnavailableException($"The ledger did not take payment {payment.PaymentId}: {exception.Message}", exception);
        }
    }

    private static async Task<ErpPostingResult?> InsertHeaderAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ErpInvoice invoice, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at)
            VALUES ($1, 'ERP-' || lpad(nextval('erp_document_number')::text, 10, '0'), $2, $3, $4, $5, $6)
            ON CONFLICT (invoice_number) DO NOTHING
            RETURNING document_number, posted_at
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.InvoiceNumber });
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.CustomerId });
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.ShipmentId });
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.Total.Currency });
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.Total.Amount });
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.IssuedAt.ToUniversalTime() });
        return await ReadResultAsync(command, cancellationToken);
    }

    private static async Task<ErpPostingResult> ReadPostedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string invoiceNumber, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT document_number, posted_at FROM erp_invoice WHERE invoice_number = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = invoiceNumber });
        return await ReadResultAsync(command, cancellationToken)
            ?? throw new InvalidOperationException($"Invoice {invoiceNumber} conflicted on insert but is not in the ledger.");
    }

    private static async Task<ErpPostingResult?> ReadResultAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ErpPostingResult(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    private static async Task InsertLinesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ErpInvoice invoice, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO erp_invoice_line (invoice_number, line_number, charge_id, charge_type, amount, currency, source, source_reference)
            SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[], $8::text[])
            """,
            connection,
            transaction);
        var lines = invoice.Lines;
        command.Parameters.Add(new NpgsqlParameter { Value = invoice.InvoiceNumber });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.LineNumber).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.ChargeId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.Type.ToString()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.Amount.Amount).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.Amount.Currency).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.Source.ToString()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = lines.Select(line => line.SourceReference).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertEntryAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string customerId, string kind, string reference, Money amount, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO erp_receivable_entry (customer_id, kind, reference, amount, currency)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT ON CONSTRAINT erp_receivable_entry_once DO NOTHING
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = customerId });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = reference });
        command.Parameters.Add(new NpgsqlParameter { Value = amount.Amount });
        command.Parameters.Add(new NpgsqlParameter { Value = amount.Currency });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
