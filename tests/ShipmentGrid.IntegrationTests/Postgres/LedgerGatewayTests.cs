using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Billing;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>The ERP ledger on the migrated schema (in a non-default schema, so every statement resolves through search_path).</summary>
[Collection(SharedPostgres.Name)]
public sealed class LedgerGatewayTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);

    private PostgresSettings settings = null!;
    private NpgsqlDataSource dataSource = null!;
    private PostgresLedgerGateway ledger = null!;

    public async Task InitializeAsync()
    {
        settings = new PostgresSettings(await server.CreateDatabaseAsync("ledger"), "grid_ledger");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        ledger = new PostgresLedgerGateway(dataSource);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    [Fact]
    public async Task Posting_an_invoice_writes_its_header_lines_and_one_receivable()
    {
        var posted = await ledger.PostAsync(Invoice("S-1", "C-1"), CancellationToken.None);

        Assert.StartsWith("ERP-", posted.DocumentNumber, StringComparison.Ordinal);
        Assert.Equal(
            [("INV-S-1", posted.DocumentNumber, 1290.00m)],
            await QueryAsync("SELECT invoice_number, document_number, total FROM erp_invoice", reader => (reader.GetString(0), reader.GetString(1), reader.GetDecimal(2))));
        Assert.Equal(
            [(1, "S-1-LH", 1200.00m, "RATE-1"), (2, "S-1-FS", 90.00m, (string?)null)],
            await QueryAsync(
                "SELECT line_number, charge_id, amount, source_reference FROM erp_invoice_line ORDER BY line_number",
                reader => (reader.GetInt32(0), reader.GetString(1), reader.GetDecimal(2), reader.IsDBNull(3) ? null : reader.GetString(3))));
        Assert.Equal([1290.00m], await BalanceAsync("C-1"));
    }

    [Fact]
    public async Task Posting_the_same_invoice_again_and_concurrently_answers_the_first_document_and_writes_nothing_twice()
    {
        var invoice = Invoice("S-2", "C-2");
        var first = await ledger.PostAsync(invoice, CancellationToken.None);

        var again = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ledger.PostAsync(invoice, CancellationToken.None)));

        Assert.All(again, posted => Assert.Equal(first, posted));
        Assert.Equal([1], await QueryAsync("SELECT count(*)::int FROM erp_invoice WHERE invoice_number = 'INV-S-2'", reader => reader.GetInt32(0)));
        Assert.Equal([2], await QueryAsync("SELECT count(*)::int FROM erp_invoice_line WHERE invoice_number = 'INV-S-2'", reader => reader.GetInt32(0)));
        Assert.Equal([1], await QueryAsync("SELECT count(*)::int FROM erp_receivable_entry WHERE customer_id = 'C-2'", reader => reader.GetInt32(0)));
    }

    [Fact]
    public async Task Concurrent_first_postings_of_one_invoice_agree_on_one_document()
    {
        var invoice = Invoice("S-3", "C-3");

        var posted = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ledger.PostAsync(invoice, CancellationToken.None))));

        Assert.Single(posted.Select(result => result.DocumentNumber).Distinct());
        Assert.Equal([1], await QueryAsync("SELECT count(*)::int FROM erp_invoice WHERE invoice_number = 'INV-S-3'", reader => reader.GetInt32(0)));
        Assert.Equal([1290.00m], await BalanceAsync("C-3"));
    }

    [Fact]
    public async Task Payments_reduce_receivables_once_per_payment_id()
    {
        await ledger.PostAsync(Invoice("S-4", "C-4"), CancellationToken.None);
        var payment = new ErpPayment("C-4", "PAY-1", new Money(290m, "USD"), IssuedAt);

        await ledger.RecordPaymentAsync(payment, CancellationToken.None);
        await ledger.RecordPaymentAsync(payment, CancellationToken.None);

        Assert.Equal([1000.00m], await BalanceAsync("C-4"));
        Assert.Equal(
            [("invoice", "INV-S-4"), ("payment", "PAY-1")],
            await QueryAsync("SELECT kind, reference FROM erp_receivable_entry WHERE customer_id = 'C-4' ORDER BY entry_id", reader => (reader.GetString(0), reader.GetString(1))));
    }

    [Fact]
    public async Task An_unreachable_ledger_is_reported_as_erp_unavailable()
    {
        await using var nowhere = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(settings.ProviderConnectionString) { Port = LoopbackPorts.Next(), Timeout = 2 }.ConnectionString);

        await Assert.ThrowsAsync<ErpUnavailableException>(() => new PostgresLedgerGateway(nowhere).PostAsync(Invoice("S-5", "C-5"), CancellationToken.None));
    }

    private Task<List<decimal>> BalanceAsync(string customerId) =>
        QueryAsync("SELECT sum(amount) FROM erp_receivable_entry WHERE customer_id = @customer", reader => reader.GetDecimal(0), ("customer", customerId));

    private Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, params (string Name, object Value)[] parameters) =>
        Sql.QueryAsync(settings.ProviderConnectionString, sql, map, parameters);

    private static ErpInvoice Invoice(string shipmentId, string customerId) => new(
        InvoiceNumbering.For(shipmentId),
        customerId,
        shipmentId,
        new Money(1290m, "USD"),
        [
            new InvoiceLine(1, $"{shipmentId}-LH", ChargeType.Linehaul, new Money(1200m, "USD"), ChargeSource.Rating, "RATE-1"),
            new InvoiceLine(2, $"{shipmentId}-FS", ChargeType.FuelSurcharge, new Money(90m, "USD"), ChargeSource.CarrierInvoice, null),
        ],
        IssuedAt);
}
