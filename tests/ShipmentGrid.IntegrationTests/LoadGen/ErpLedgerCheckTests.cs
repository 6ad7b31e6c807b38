using Microsoft.Extensions.Logging.Abstractions;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Tools.LoadGen;

namespace ShipmentGrid.IntegrationTests.LoadGen;

/// <summary>
/// The load generator's check of the ERP ledger (<c>--postgres</c>) on the migrated schema: one header and one receivable
/// entry per invoice the grid shows Posted. It passes on a ledger that agrees, and names the invoice whose posting is
/// missing, the invoice posted a second time, and the invoice in the ledger that the grid still holds.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class ErpLedgerCheckTests(PostgresServer server)
{
    [Fact]
    public async Task The_ledger_check_names_a_missing_a_second_and_a_stray_posting()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("loadgen_erp"), "grid_loadgen");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var connection = settings.ProviderConnectionString;
        var ledger = new AcknowledgementLedger();
        ledger.Customer("C-A");
        ledger.Customer("C-B");
        ledger.Booked("S-1", "C-A", "K-1");
        ledger.Booked("S-2", "C-A", "K-1");
        ledger.Booked("S-3", "C-B", "K-1");
        var seen = new Dictionary<string, SeenShipment>(StringComparer.Ordinal)
        {
            ["S-1"] = new("S-1", "ProofOfDelivery", "Invoiced", "INV-S-1", "Posted", 100.25m, DateTimeOffset.UtcNow),
            ["S-2"] = new("S-2", "ProofOfDelivery", "Invoiced", "INV-S-2", "Posted", 200.50m, DateTimeOffset.UtcNow),
            ["S-3"] = new("S-3", "ProofOfDelivery", "Invoiced", "INV-S-3", "OnHold", 300m, null),
        };
        await Sql.ExecuteAsync(connection, """
            INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at)
            VALUES ('INV-S-1', 'ERP-1', 'C-A', 'S-1', 'USD', 100.25, now()), ('INV-S-2', 'ERP-2', 'C-A', 'S-2', 'USD', 200.50, now());
            INSERT INTO erp_receivable_entry (customer_id, kind, reference, amount, currency)
            VALUES ('C-A', 'invoice', 'INV-S-1', 100.25, 'USD'), ('C-A', 'invoice', 'INV-S-2', 200.50, 'USD');
            """);

        Assert.Empty(await ErpLedger.CompareAsync(connection, ledger, seen, CancellationToken.None));

        await Sql.ExecuteAsync(connection, """
            DELETE FROM erp_receivable_entry WHERE reference = 'INV-S-1';
            DELETE FROM erp_invoice WHERE invoice_number = 'INV-S-1';
            INSERT INTO erp_receivable_entry (customer_id, kind, reference, amount, currency) VALUES ('C-B', 'invoice', 'INV-S-2', 200.50, 'USD');
            INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at)
            VALUES ('INV-S-3', 'ERP-3', 'C-B', 'S-3', 'USD', 300, now());
            """);

        var differences = await ErpLedger.CompareAsync(connection, ledger, seen, CancellationToken.None);

        Assert.Equal(
            [("erp-ledger-disagrees", "INV-S-1"), ("erp-ledger-disagrees", "INV-S-2"), ("erp-ledger-stray", "INV-S-3")],
            differences.Select(difference => (difference.Kind, difference.Subject)).Order());
    }
}
