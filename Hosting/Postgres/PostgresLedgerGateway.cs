using Npgsql;
using ShipmentGrid.Billing;
using ShipmentGrid.Hosting.Erp;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The ERP ledger on PostgreSQL (migration 0007). The invoice header, its lines and its receivable entry are
/// written in one transaction, and only by the call whose header insert won the invoice number: a repeated or
/// concurrent posting of the same number writes nothing and answers the first document. Its statements live in
/// <see cref="GridSql"/>.
/// </summary>
public sealed class PostgresLedgerGateway(NpgsqlDataSource dataSource) : IErpGateway
{
    public async Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        using var activity = GridTracing.StartDatabase("INSERT", "erp_invoice")
            .Tag(GridTracing.InvoiceAttribute, invoice.InvoiceNumber)
            .Tag(GridTracing.CustomerAttribute, invoice.CustomerId);
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
            activity.Failed(exception);
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
        await using var command = GridSql.PostInvoiceHeader.CreateCommand(
            connection, transaction,
            invoice.InvoiceNumber,
            invoice.CustomerId,
            invoice.ShipmentId,
            invoice.Total.Currency,
            invoice.Total.Amount,
            invoice.IssuedAt.ToUniversalTime(),
            ErpContract.KindCode(invoice.Kind),
            invoice.AdjustsInvoiceNumber);
        return await ReadResultAsync(command, cancellationToken);
    }

    private static async Task<ErpPostingResult> ReadPostedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string invoiceNumber, CancellationToken cancellationToken)
    {
        await using var command = GridSql.ReadPostedInvoice.CreateCommand(connection, transaction, invoiceNumber);
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
        var lines = invoice.Lines;
        await using var command = GridSql.PostInvoiceLines.CreateCommand(
            connection, transaction,
            invoice.InvoiceNumber,
            lines.Select(line => line.LineNumber).ToArray(),
            lines.Select(line => line.ChargeId).ToArray(),
            lines.Select(line => line.Type.ToString()).ToArray(),
            lines.Select(line => line.Amount.Amount).ToArray(),
            lines.Select(line => line.Amount.Currency).ToArray(),
            lines.Select(line => line.Source.ToString()).ToArray(),
            lines.Select(line => line.SourceReference).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertEntryAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string customerId, string kind, string reference, Money amount, CancellationToken cancellationToken)
    {
        await using var command = GridSql.RecordReceivableEntry.CreateCommand(
            connection, transaction, customerId, kind, reference, amount.Amount, amount.Currency);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
