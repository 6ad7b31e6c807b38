using System.Reflection;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The catalog of the project's own SQL; the Orleans providers' SQL is the other half, in the OrleansQuery
/// table (migrations). Every statement the project runs is a <see cref="GridQuery"/> field here: adding one is
/// adding a field, and the plan test in the integration tests checks every field for index use.
/// </summary>
public static class GridSql
{
    // ERP ledger (migration 0007). The header insert wins the invoice number or returns nothing.
    public static readonly GridQuery PostInvoiceHeader = new(
        nameof(PostInvoiceHeader),
        """
        INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at)
        VALUES ($1, 'ERP-' || lpad(nextval('erp_document_number')::text, 10, '0'), $2, $3, $4, $5, $6)
        ON CONFLICT (invoice_number) DO NOTHING
        RETURNING document_number, posted_at
        """,
        ["text", "text", "text", "text", "numeric", "timestamptz"]);

    public static readonly GridQuery ReadPostedInvoice = new(
        nameof(ReadPostedInvoice),
        "SELECT document_number, posted_at FROM erp_invoice WHERE invoice_number = $1",
        ["text"]);

    public static readonly GridQuery PostInvoiceLines = new(
        nameof(PostInvoiceLines),
        """
        INSERT INTO erp_invoice_line (invoice_number, line_number, charge_id, charge_type, amount, currency, source, source_reference)
        SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[], $8::text[])
        """,
        ["text", "integer[]", "text[]", "text[]", "numeric[]", "text[]", "text[]", "text[]"]);

    public static readonly GridQuery RecordReceivableEntry = new(
        nameof(RecordReceivableEntry),
        """
        INSERT INTO erp_receivable_entry (customer_id, kind, reference, amount, currency)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT ON CONSTRAINT erp_receivable_entry_once DO NOTHING
        """,
        ["text", "text", "text", "numeric", "text"]);

    // Event journal (migrations 0005, 0009, 0012). Readers see only rows of transactions older than every transaction
    // still running: those have all ended, so nothing can commit before them later.
    public static readonly GridQuery ReadJournalStream = new(
        nameof(ReadJournalStream),
        "SELECT payload FROM event_journal WHERE stream_id = $1 ORDER BY version",
        ["text"]);

    /// <summary>
    /// One commit of the writer: $1-$6 the events, $7-$11 the snapshots (stream, version, commits, type, state) with
    /// $12 whether each event belongs to a snapshot commit. A snapshot lands only over the commit its writer read
    /// (commits one less, or no row for the first) while the stream still ends where that commit left it, and the
    /// events of a snapshot commit only with their snapshot,
    /// so a refused snapshot writes neither; the answer names the snapshots stored. At most one commit per stream.
    /// </summary>
    public static readonly GridQuery AppendJournal = new(
        nameof(AppendJournal),
        """
        WITH stored AS (
            INSERT INTO journal_snapshot AS s (stream_id, version, commits, state_type, state)
            SELECT * FROM unnest($7::text[], $8::integer[], $9::integer[], $10::text[], $11::bytea[])
            ON CONFLICT (stream_id) DO UPDATE
            SET version = excluded.version, commits = excluded.commits, state_type = excluded.state_type, state = excluded.state, updated_at = now()
            WHERE s.commits = excluded.commits - 1
              AND s.version = coalesce((SELECT max(j.version) FROM event_journal j WHERE j.stream_id = s.stream_id), 0)
            RETURNING s.stream_id),
        appended AS (
            INSERT INTO event_journal (stream_id, version, partition, event_type, payload, trace_parent)
            SELECT e.stream_id, e.version, e.partition, e.event_type, e.payload, e.trace_parent
            FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::bytea[], $6::text[], $12::boolean[])
                AS e (stream_id, version, partition, event_type, payload, trace_parent, with_snapshot)
            WHERE NOT e.with_snapshot OR e.stream_id IN (SELECT stream_id FROM stored))
        SELECT stream_id FROM stored
        """,
        ["text[]", "integer[]", "integer[]", "text[]", "bytea[]", "text[]", "text[]", "integer[]", "integer[]", "text[]", "bytea[]", "boolean[]"]);

    public static readonly GridQuery ReadJournalSnapshot = new(
        nameof(ReadJournalSnapshot),
        "SELECT version, commits, state FROM journal_snapshot WHERE stream_id = $1",
        ["text"]);

    /// <summary>Each named stream's current version (streams never written are left out).</summary>
    public static readonly GridQuery ReadJournalStreamVersions = new(
        nameof(ReadJournalStreamVersions),
        """
        SELECT s.stream_id, v.version
        FROM unnest($1::text[]) AS s (stream_id)
        CROSS JOIN LATERAL (
            SELECT j.version FROM event_journal j WHERE j.stream_id = s.stream_id ORDER BY j.version DESC LIMIT 1
        ) AS v
        """,
        ["text[]"]);

    /// <summary>$1 partition, $2 and $3 the cursor read from, $4 the page size: rows after it in commit order.</summary>
    public static readonly GridQuery ReadJournalPartition = new(
        nameof(ReadJournalPartition),
        """
        SELECT tx, position, stream_id, version, payload, trace_parent, recorded_at
        FROM event_journal
        WHERE partition = $1
          AND (tx, position) > ($2, $3)
          AND tx < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY tx, position
        LIMIT $4
        """,
        ["integer", "xid8", "bigint", "integer"]);

    public static readonly GridQuery ReadJournalCheckpoint = new(
        nameof(ReadJournalCheckpoint),
        "SELECT tx, position FROM journal_checkpoint WHERE partition = $1",
        ["integer"]);

    /// <summary>$1 partition, $2 and $3 the cursor the reader holds, $4 and $5 the new one: 1 when the checkpoint moved.</summary>
    public static readonly GridQuery AdvanceJournalCheckpoint = new(
        nameof(AdvanceJournalCheckpoint),
        """
        WITH moved AS (
            UPDATE journal_checkpoint
            SET tx = $4, position = $5, updated_at = now()
            WHERE partition = $1 AND tx = $2 AND position = $3
            RETURNING 1),
        created AS (
            INSERT INTO journal_checkpoint (partition, tx, position)
            SELECT $1, $4, $5
            WHERE $2 = '0'::xid8 AND $3 = 0
            ON CONFLICT (partition) DO NOTHING
            RETURNING 1)
        SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM created)
        """,
        ["integer", "xid8", "bigint", "xid8", "bigint"]);

    public static readonly GridQuery DeadLetterJournalEvent = new(
        nameof(DeadLetterJournalEvent),
        """
        INSERT INTO journal_dead_letter (partition, position, stream_id, version, event_type, reason, attempts)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (partition, position) DO NOTHING
        """,
        ["integer", "bigint", "text", "integer", "text", "text", "integer"]);

    /// <summary>$1 partition, $2 and $3 the checkpoint, $4 the count cap: unread events, the oldest's time, dead letters, checkpoint time.</summary>
    public static readonly GridQuery ReadJournalBacklog = new(
        nameof(ReadJournalBacklog),
        """
        SELECT
            (SELECT count(*) FROM (
                SELECT 1 FROM event_journal
                WHERE partition = $1 AND (tx, position) > ($2, $3)
                ORDER BY tx, position
                LIMIT $4) AS unread),
            (SELECT recorded_at FROM event_journal
                WHERE partition = $1 AND (tx, position) > ($2, $3)
                ORDER BY tx, position LIMIT 1),
            (SELECT count(*) FROM journal_dead_letter WHERE partition = $1),
            (SELECT updated_at FROM journal_checkpoint WHERE partition = $1)
        """,
        ["integer", "xid8", "bigint", "integer"]);

    /// <summary>$1 the configured partition count: recorded on first use; answers the stored count.</summary>
    public static readonly GridQuery ClaimJournalPartitioning = new(
        nameof(ClaimJournalPartitioning),
        """
        WITH claimed AS (
            INSERT INTO journal_partitioning (partitions) VALUES ($1)
            ON CONFLICT (singleton) DO NOTHING
            RETURNING partitions)
        SELECT partitions FROM claimed
        UNION ALL
        SELECT partitions FROM journal_partitioning
        LIMIT 1
        """,
        ["integer"]);

    // Queued carrier events' outcomes (migration 0010). An outcome only moves up (QueuedEventOutcomeRules): Queued,
    // Rejected, Accepted; copies of one event id are decided in any order.
    public static readonly GridQuery RecordQueuedEventOutcomes = new(
        nameof(RecordQueuedEventOutcomes),
        """
        INSERT INTO queued_event_outcome AS o (carrier_id, event_id, shipment_id, status, reason, updated_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
        ON CONFLICT (carrier_id, event_id) DO UPDATE
        SET shipment_id = excluded.shipment_id, status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at
        WHERE array_position(ARRAY['Queued', 'Rejected', 'Accepted'], excluded.status)
            > array_position(ARRAY['Queued', 'Rejected', 'Accepted'], o.status)
        """,
        ["text[]", "text[]", "text[]", "text[]", "text[]", "timestamptz[]"]);

    public static readonly GridQuery FindQueuedEventOutcome = new(
        nameof(FindQueuedEventOutcome),
        "SELECT shipment_id, status, reason, updated_at FROM queued_event_outcome WHERE carrier_id = $1 AND event_id = $2",
        ["text", "text"]);

    /// <summary>
    /// Every statement of the catalog, found by reflection so that none can be left out (computed on each call,
    /// so a field declared below this one is not missed by static initialisation order).
    /// </summary>
    public static IReadOnlyList<GridQuery> All => typeof(GridSql)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(member => member.FieldType == typeof(GridQuery))
        .Select(member => (GridQuery)member.GetValue(null)!)
        .ToList();
}
