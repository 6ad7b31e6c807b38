using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// Every statement the grid runs, the providers' OrleansQuery rows and the project's <see cref="GridSql"/>
/// catalog alike, must find its rows through an index once the tables are large. The tables are filled with
/// at least 100k rows each, and each statement is prepared with typed parameters and explained with a
/// generic and a custom plan. Statements that call the schema's functions also run once under auto_explain
/// (rolled back), so the plans of the statements inside those functions are checked too.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed partial class QueryPlanTests(PostgresServer server) : IAsyncLifetime
{
    private const string Schema = "grid_plans";
    private const long LargeTable = 100_000;

    // Shaped like production: string-keyed grains (shipments, invoices) store their key as the key extension
    // with both numeric halves 0, so one grain type holds most rows; integer-keyed grains have no extension.
    private const string Fill = """
        INSERT INTO membership_version (deployment_id, version)
        SELECT 'cluster-' || d, 1 FROM generate_series(1, 100000) AS d;
        INSERT INTO membership_silo (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
        SELECT 'cluster-' || (i % 100000 + 1), '10.0.' || (i % 250) || '.' || (i / 250 % 250), 11111 + i % 7, i, 'silo-' || i, 'host-' || i,
               CASE WHEN i % 10 = 0 THEN 3 ELSE 6 END, 30000, now() - interval '1 day', now() - interval '1 hour'
        FROM generate_series(1, 200000) AS i;
        INSERT INTO grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, key_extension, payload, version)
        SELECT 'grid', CASE WHEN i % 4 = 0 THEN 'invoice' ELSE 'shipment' END, 0, 0, 'S-' || i, '\x00'::bytea, 1
        FROM generate_series(1, 200000) AS i;
        INSERT INTO grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, payload, version)
        SELECT 'grid', 'counter', i, 0, '\x00'::bytea, 1 FROM generate_series(1, 50000) AS i;
        INSERT INTO reminder (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
        SELECT 'grid', 'grain-' || i, 'r-' || (i % 3), now(), 60000, hashint4(i), 1 FROM generate_series(1, 100000) AS i;
        INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at)
        SELECT 'INV-' || i, 'ERP-' || i, 'C-' || (i % 10000), 'S-' || i, 'USD', 100, now() FROM generate_series(1, 100000) AS i;
        INSERT INTO erp_invoice_line (invoice_number, line_number, charge_id, charge_type, amount, currency, source, source_reference)
        SELECT 'INV-' || i, l, 'CH-' || i || '-' || l, 'Linehaul', 50, 'USD', 'Rating', NULL
        FROM generate_series(1, 100000) AS i, generate_series(1, 2) AS l;
        INSERT INTO erp_receivable_entry (customer_id, kind, reference, amount, currency)
        SELECT 'C-' || (i % 10000), CASE WHEN i % 2 = 0 THEN 'invoice' ELSE 'payment' END, 'REF-' || i, 10, 'USD'
        FROM generate_series(1, 100000) AS i;
        INSERT INTO event_journal (stream_id, version, partition, event_type, payload)
        SELECT 'shipment/S-' || (i / 10), i % 10 + 1, i / 10 % 16, 'Event', '\x00'::bytea FROM generate_series(0, 199999) AS i;
        INSERT INTO journal_snapshot (stream_id, version, commits, state_type, state)
        SELECT CASE WHEN i % 2 = 0 THEN 'invoice/S-' ELSE 'customer/C-' END || i, i % 5, i % 5 + 1, 'State', '\x00'::bytea
        FROM generate_series(1, 100000) AS i;
        INSERT INTO journal_checkpoint (partition, tx, position)
        SELECT p, '1', 1 FROM generate_series(0, 15) AS p;
        INSERT INTO journal_dead_letter (partition, position, stream_id, version, event_type, reason, attempts)
        SELECT i % 16, i, 'shipment/S-' || i, 1, 'Event', 'failed', 5 FROM generate_series(1, 100000) AS i;
        INSERT INTO queued_event_outcome (carrier_id, event_id, shipment_id, status, reason, updated_at)
        SELECT 'CARR-' || (i % 500), 'E-' || i, 'S-' || (i / 3), 'Accepted', NULL, now() FROM generate_series(1, 100000) AS i;
        INSERT INTO exception_item (exception_id, queue, subject, reason, opened_at, owners, cause, customer_id, resolution, resolved_at)
        SELECT 'X-' || i, i % 5, 'shipment/S-' || i, 'late', now() - i * interval '1 minute', 1, 'E-' || i, 'C-' || (i % 10000),
               CASE WHEN i % 10 <> 0 THEN 'done' END, CASE WHEN i % 10 <> 0 THEN now() - i * interval '30 seconds' END
        FROM generate_series(1, 200000) AS i;
        INSERT INTO service_case (case_id, customer_id, shipment_id, reason, status, opened_at, resolved_at, last_entry)
        SELECT 'CASE-' || i, 'C-' || (i % 10000), 'S-' || i, i % 3, CASE WHEN i % 10 = 0 THEN 0 ELSE 2 END, now() - i * interval '1 minute',
               CASE WHEN i % 10 <> 0 THEN now() - i * interval '30 seconds' END, 3
        FROM generate_series(1, 100000) AS i;
        INSERT INTO service_case_entry (case_id, seq, at, text, source_event_id)
        SELECT 'CASE-' || i, s, now(), 'step', 'E-' || i || '-' || s FROM generate_series(1, 100000) AS i, generate_series(1, 3) AS s;
        INSERT INTO crm_notification (notification_id, customer_id, kind, subject, text, occurred_at)
        SELECT 'N-' || i, 'C-' || (i % 10000), i % 5, 'shipment/S-' || i, 'text', now() - i * interval '1 minute'
        FROM generate_series(1, 100000) AS i;
        INSERT INTO customer_shipment (shipment_id, customer_id, carrier_id, booked_at, status, billing_status, updated_at)
        SELECT 'S-' || i, 'C-' || (i % 10000), 'CARR-' || (i % 500), now() - i * interval '1 minute', i % 7, i % 4, now()
        FROM generate_series(1, 100000) AS i;
        INSERT INTO carrier_dead_letter (carrier_id, event_id, shipment_id, event, reason, dead_lettered_at, status, replayed_at)
        SELECT 'CARR-' || (i % 500), 'E-' || i, 'S-' || i, '\x00'::bytea, 'invalid', now() - i * interval '1 minute', i % 2,
               CASE WHEN i % 2 = 1 THEN now() - i * interval '30 seconds' END
        FROM generate_series(1, 100000) AS i;
        INSERT INTO kpi_bucket (scope, subject, day, metric, count, total_seconds, histogram)
        SELECT i % 2, 'SUBJ-' || (i % 1000), current_date - i / 1000, 'bookings', 1, 0, array_fill(0::bigint, ARRAY[18])
        FROM generate_series(0, 99999) AS i;
        INSERT INTO audit_entry (at, entry_id, key_id, partner, roles, method, route, subject, status, trace_id)
        SELECT now() - i * interval '1 second', lpad(to_hex(i), 32, '0'), 'KEY-' || (i % 200), 'PARTNER-' || (i % 50), ARRAY['operations'],
               'POST', '/api/v1/route-' || (i % 30), 'id=' || i, (ARRAY[200, 201, 400, 404, 409, 503])[i % 6 + 1], md5(i::text)
        FROM generate_series(1, 100000) AS i;
        INSERT INTO shipment_reference (kind, reference, carrier_id, shipment_id, customer_id, booked_at)
        SELECT i % 3, 'REF-' || i, 'CARR-' || (i % 500), 'S-' || i, 'C-' || (i % 10000), now() - i * interval '1 minute'
        FROM generate_series(1, 100000) AS i;
        INSERT INTO edi_interchange (carrier_id, control_number, received_at, raw, acknowledgement, summary)
        SELECT 'CARR-' || (i % 500), lpad(i::text, 9, '0'), now() - i * interval '1 minute', 'ISA', NULL, '{}'
        FROM generate_series(1, 100000) AS i;
        INSERT INTO webhook_subscription (subscription_id, url, event_types, customer_id, description, enabled, created_at, secret)
        SELECT 'wh_' || lpad(to_hex(i), 16, '0'), 'https://crm-' || i || '.example.com/hooks', ARRAY[i % 5]::smallint[],
               CASE WHEN i % 2 = 0 THEN 'C-' || (i % 10000) END, NULL, i % 10 <> 0, now() - i * interval '1 minute', 'protected'
        FROM generate_series(1, 100000) AS i;
        INSERT INTO webhook_delivery (subscription_id, notification_id, status, attempts, next_attempt_at, settled_at)
        SELECT 'wh_' || lpad(to_hex(i % 1000 + 1), 16, '0'), 'N-' || i, CASE WHEN i % 20 = 0 THEN 0 ELSE 1 END, 1,
               now() + (i % 100) * interval '1 minute', CASE WHEN i % 20 <> 0 THEN now() END
        FROM generate_series(1, 100000) AS i;
        INSERT INTO webhook_delivery_attempt (attempt_id, subscription_id, notification_id, attempt, attempted_at, status_code, error, succeeded, next_attempt_at)
        SELECT lpad(to_hex(i), 16, '0'), 'wh_' || lpad(to_hex(i % 1000 + 1), 16, '0'), 'N-' || i, 1, now() - i * interval '1 second', 200, NULL, true, NULL
        FROM generate_series(1, 100000) AS i;
        INSERT INTO api_key (key_id, partner, roles, token_hash, created_at, revoked_at, description)
        SELECT lpad(to_hex(i), 16, '0'), 'PARTNER-' || (i % 500), ARRAY['carrier:CARR-' || (i % 500)], decode(md5(i::text) || md5(i::text), 'hex'),
               now() - i * interval '1 minute', CASE WHEN i % 7 = 0 THEN now() END, NULL
        FROM generate_series(1, 100000) AS i;
        ANALYZE;
        """;

    // The tables the fill must make large; a statement may scan none of them.
    private static readonly string[] FilledTables =
    [
        "membership_version", "membership_silo", "grain_state", "reminder",
        "erp_invoice", "erp_invoice_line", "erp_receivable_entry", "event_journal", "journal_dead_letter", "journal_snapshot", "queued_event_outcome",
        "exception_item", "service_case", "service_case_entry", "crm_notification", "customer_shipment", "carrier_dead_letter", "kpi_bucket",
        "audit_entry", "api_key", "shipment_reference", "edi_interchange", "webhook_subscription",
        "webhook_delivery", "webhook_delivery_attempt",
    ];

    // The PostgreSQL type and a sample value of every parameter name the Orleans 10.4.2 ADO.NET providers bind,
    // chosen to hit rows of the fill (one shipment grain, one cluster).
    private static readonly Dictionary<string, (string Type, string Sample)> ProviderParameters = new(StringComparer.Ordinal)
    {
        ["ServiceId"] = ("text", "'grid'"),
        ["GrainTypeString"] = ("text", "'shipment'"),
        ["GrainIdN0"] = ("bigint", "0"),
        ["GrainIdN1"] = ("bigint", "0"),
        ["GrainIdExtensionString"] = ("text", "'S-13'"),
        ["GrainIdHash"] = ("integer", "13"),
        ["GrainTypeHash"] = ("integer", "7"),
        ["GrainStateVersion"] = ("integer", "1"),
        ["PayloadBinary"] = ("bytea", @"'\x00'"),
        ["DeploymentId"] = ("text", "'cluster-7'"),
        ["Address"] = ("text", "'10.0.6.0'"),
        ["Port"] = ("integer", "11111"),
        ["Generation"] = ("integer", "6"),
        ["Version"] = ("integer", "1"),
        ["SiloName"] = ("text", "'silo-new'"),
        ["HostName"] = ("text", "'host-new'"),
        ["Status"] = ("integer", "3"),
        ["ProxyPort"] = ("integer", "30000"),
        ["SuspectTimes"] = ("text", "NULL"),
        ["StartTime"] = ("timestamptz", "now()"),
        ["IAmAliveTime"] = ("timestamptz", "now()"),
        ["GrainId"] = ("text", "'grain-7'"),
        ["ReminderName"] = ("text", "'r-1'"),
        ["Period"] = ("bigint", "60000"),
        ["GrainHash"] = ("integer", "5"),
        ["BeginHash"] = ("integer", "2000000000"),
        ["EndHash"] = ("integer", "-2000000000"),
    };

    // Statements whose job is to read a whole table, or a large part of one, so a scan is the right plan.
    private static readonly Dictionary<string, string> WholeTableStatements = new(StringComparer.Ordinal)
    {
        ["DeleteReminderRowsKey"] = "removes every reminder of the service (the provider's wipe of a retired or test service)",
        ["FanOutWebhookNotifications"] = "matches each new notification against every enabled subscription (a few dozen CRM systems, not 100k)",
    };

    private PostgresSettings _settings = null!;

    public async Task InitializeAsync()
    {
        _settings = new PostgresSettings(await server.CreateDatabaseAsync("plans"), Schema);
        await new SchemaMigrator(_settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        // Filling and analysing a million rows takes longer than the default command timeout on a busy machine.
        await Sql.ExecuteAsync(
            new NpgsqlConnectionStringBuilder(_settings.ProviderConnectionString) { CommandTimeout = 600 }.ConnectionString, Fill);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_provider_and_catalog_statement_finds_its_rows_through_an_index()
    {
        await using var connection = new NpgsqlConnection(_settings.ProviderConnectionString);
        await connection.OpenAsync();
        var largeTables = await LargeTablesAsync(connection);
        Assert.Superset(FilledTables.ToHashSet(StringComparer.Ordinal), largeTables);
        var functions = await SchemaFunctionsAsync(connection);

        var statements = await ProviderStatementsAsync(connection);
        statements.AddRange(GridSql.All.Select(query => new Statement(
            query.Name, query.Text, query.ParameterTypes.Select(type => (type, SampleOf(type))).ToList())));
        Assert.Contains(statements, statement => statement.Name == "ReadFromStorageKey");
        Assert.Contains(statements, statement => statement.Name == nameof(GridSql.PostInvoiceHeader));

        var scans = new List<string>();
        foreach (var statement in statements.Where(statement => !WholeTableStatements.ContainsKey(statement.Name)))
        {
            var callsFunction = functions.Any(function => statement.Text.Contains(function, StringComparison.Ordinal));
            foreach (var mode in new[] { "generic", "custom" })
            {
                var plans = await PlansAsync(connection, statement, mode, callsFunction);
                scans.AddRange(SeqScan().Matches(plans)
                    .Select(match => match.Groups[1].Value)
                    .Where(largeTables.Contains)
                    .Distinct(StringComparer.Ordinal)
                    .Select(table => $"{statement.Name} ({mode} plan): Seq Scan on {table}"));
            }
        }

        Assert.True(scans.Count == 0, "Statements that scan a table of 100k rows:\n" + string.Join('\n', scans));
    }

    private static async Task<string> PlansAsync(NpgsqlConnection connection, Statement statement, string mode, bool callsFunction)
    {
        var types = string.Join(", ", statement.Parameters.Select(parameter => parameter.Type));
        var values = string.Join(", ", statement.Parameters.Select(parameter => parameter.Sample));
        var execute = statement.Parameters.Count == 0 ? "EXECUTE checked" : $"EXECUTE checked({values})";
        await ExecuteAsync(connection, $"SET plan_cache_mode = force_{mode}_plan");
        await ExecuteAsync(connection, $"PREPARE checked{(types.Length == 0 ? "" : $"({types})")} AS {statement.Text}");
        try
        {
            var plan = string.Join('\n', await ReadAsync(connection, $"EXPLAIN {execute}"));
            return callsFunction ? plan + "\n" + await NestedPlansAsync(connection, execute) : plan;
        }
        finally
        {
            await ExecuteAsync(connection, "DEALLOCATE checked");
        }
    }

    // EXPLAIN shows a function call as one node; auto_explain reports the plan of every statement the
    // function runs, as notices to this session. The run is rolled back.
    private static async Task<string> NestedPlansAsync(NpgsqlConnection connection, string execute)
    {
        var notices = new List<string>();
        void Collect(object sender, NpgsqlNoticeEventArgs args) => notices.Add(args.Notice.MessageText);
        await ExecuteAsync(connection, "LOAD 'auto_explain'");
        await ExecuteAsync(connection,
            "SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; " +
            "SET auto_explain.log_level = notice; SET client_min_messages = notice");
        connection.Notice += Collect;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand(execute, connection, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            await transaction.RollbackAsync();
        }
        finally
        {
            connection.Notice -= Collect;
            await ExecuteAsync(connection, "SET auto_explain.log_min_duration = -1");
        }

        return string.Join('\n', notices);
    }

    private static async Task<List<Statement>> ProviderStatementsAsync(NpgsqlConnection connection)
    {
        var statements = new List<Statement>();
        await using var command = new NpgsqlCommand("SELECT QueryKey, QueryText FROM OrleansQuery ORDER BY QueryKey", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statements.Add(Positional(reader.GetString(0), reader.GetString(1)));
        }

        return statements;
    }

    // The providers bind parameters by name (@Name); PREPARE takes $1..$n with a type each, one per distinct name.
    private static Statement Positional(string name, string text)
    {
        var names = new List<string>();
        var positional = NamedParameter().Replace(text.Trim().TrimEnd(';'), match =>
        {
            var parameter = match.Groups[1].Value;
            if (!names.Contains(parameter))
            {
                names.Add(parameter);
            }

            return "$" + (names.IndexOf(parameter) + 1).ToString(CultureInfo.InvariantCulture);
        });
        var unknown = names.Where(parameter => !ProviderParameters.ContainsKey(parameter)).ToList();
        Assert.True(unknown.Count == 0, $"{name} binds parameters this test has no type for: {string.Join(", ", unknown)}");
        return new Statement(name, positional, names.Select(parameter => ProviderParameters[parameter]).ToList());
    }

    // A custom plan folds the sample into the statement, so it must fit every column it may land in (char(3) too).
    private static string SampleOf(string type) => type switch
    {
        "text" => "'X'",
        "smallint" or "integer" or "bigint" or "numeric" => "1",
        "date" => "current_date",
        "boolean" => "true",
        "timestamptz" => "now()",
        "bytea" => @"'\x00'",
        "xid8" => "'1'",
        "uuid" => "'00000000-0000-0000-0000-000000000001'",
        _ when type.EndsWith("[]", StringComparison.Ordinal) => $"ARRAY[{SampleOf(type[..^2])}]::{type}",
        _ => throw new InvalidOperationException($"No sample value for parameter type {type}: add one to {nameof(SampleOf)}."),
    };

    private static async Task<HashSet<string>> LargeTablesAsync(NpgsqlConnection connection) =>
        (await ReadAsync(connection,
            $"SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            $"WHERE n.nspname = '{Schema}' AND c.relkind = 'r' AND c.reltuples >= {LargeTable}"))
        .ToHashSet(StringComparer.Ordinal);

    private static async Task<List<string>> SchemaFunctionsAsync(NpgsqlConnection connection) =>
        await ReadAsync(connection,
            $"SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{Schema}'");

    private static async Task<List<string>> ReadAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [GeneratedRegex(@"@([A-Za-z]\w*)")]
    private static partial Regex NamedParameter();

    [GeneratedRegex(@"Seq Scan on (\w+)")]
    private static partial Regex SeqScan();

    private sealed record Statement(string Name, string Text, IReadOnlyList<(string Type, string Sample)> Parameters);
}
