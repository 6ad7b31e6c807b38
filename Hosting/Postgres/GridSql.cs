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
        INSERT INTO erp_invoice (invoice_number, document_number, customer_id, shipment_id, currency, total, issued_at, kind, adjusts_invoice_number)
        VALUES ($1, 'ERP-' || lpad(nextval('erp_document_number')::text, 10, '0'), $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (invoice_number) DO NOTHING
        RETURNING document_number, posted_at
        """,
        ["text", "text", "text", "text", "numeric", "timestamptz", "text", "text"]);

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

    // Event journal (migrations 0005, 0009, 0012, 0022). Readers see only rows of transactions older than every transaction
    // still running: those have all ended, so nothing can commit before them later. A statement about a stream or a
    // partition runs on that partition's journal server (JournalServers); checkpoints and dead letters stay on the
    // primary with the read models, and no statement reads journal rows and checkpoints together except
    // ReadJournalBacklog, which runs only for partitions whose rows live on the primary.
    public static readonly GridQuery ReadJournalStream = new(
        nameof(ReadJournalStream),
        "SELECT payload FROM event_journal WHERE stream_id = $1 ORDER BY version",
        ["text"]);

    /// <summary>The trace context of each of a stream's rows, in version order (a shipment's story).</summary>
    public static readonly GridQuery ReadJournalStreamTraces = new(
        nameof(ReadJournalStreamTraces),
        "SELECT trace_parent FROM event_journal WHERE stream_id = $1 ORDER BY version",
        ["text"]);

    /// <summary>
    /// One commit of the writer: $1-$6 the events, $7-$11 the snapshots (stream, version, commits, type, state) with
    /// $12 whether each event belongs to a snapshot commit. A snapshot lands only over the commit its writer read
    /// (commits one less, or no row for the first) while the stream still ends where that commit left it, and the
    /// events of a snapshot commit only with their snapshot,
    /// so a refused snapshot writes neither; the answer names the snapshots stored. At most one commit per stream.
    /// $13 is the writer (migration 0023), recorded on every row: its row is share-locked and must be unfenced, or
    /// nothing is written and the one row answered is a null. The membership change that fences it waits for the lock,
    /// so a write either commits before the silo is declared dead or sees the fence.
    /// </summary>
    public static readonly GridQuery AppendJournal = new(
        nameof(AppendJournal),
        """
        WITH writer AS (
            SELECT id FROM journal_writer WHERE id = $13 AND fenced_at IS NULL FOR SHARE),
        stored AS (
            INSERT INTO journal_snapshot AS s (stream_id, version, commits, state_type, state, writer)
            SELECT u.stream_id, u.version, u.commits, u.state_type, u.state, $13
            FROM unnest($7::text[], $8::integer[], $9::integer[], $10::text[], $11::bytea[]) AS u (stream_id, version, commits, state_type, state)
            WHERE EXISTS (SELECT 1 FROM writer)
            ON CONFLICT (stream_id) DO UPDATE
            SET version = excluded.version, commits = excluded.commits, state_type = excluded.state_type, state = excluded.state,
                writer = excluded.writer, updated_at = now()
            WHERE s.commits = excluded.commits - 1
              AND s.version = coalesce((SELECT max(j.version) FROM event_journal j WHERE j.stream_id = s.stream_id), 0)
            RETURNING s.stream_id),
        appended AS (
            INSERT INTO event_journal (stream_id, version, partition, event_type, payload, trace_parent, writer)
            SELECT e.stream_id, e.version, e.partition, e.event_type, e.payload, e.trace_parent, $13
            FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::bytea[], $6::text[], $12::boolean[])
                AS e (stream_id, version, partition, event_type, payload, trace_parent, with_snapshot)
            WHERE EXISTS (SELECT 1 FROM writer)
              AND (NOT e.with_snapshot OR e.stream_id IN (SELECT stream_id FROM stored)))
        SELECT stream_id FROM stored
        UNION ALL
        SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM writer)
        """,
        ["text[]", "integer[]", "integer[]", "text[]", "bytea[]", "text[]", "text[]", "integer[]", "integer[]", "text[]", "bytea[]", "boolean[]", "integer"]);

    /// <summary>Ends this transaction on the server if its client leaves it idle for 5 s (a client cut off mid-transaction).</summary>
    public static readonly GridQuery LimitIdleInTransaction = new(
        nameof(LimitIdleInTransaction),
        "SELECT set_config('idle_in_transaction_session_timeout', '5s', true)",
        []);

    /// <summary>Whether a writer on the primary is fenced (read before a commit on an extra journal server).</summary>
    public static readonly GridQuery ReadJournalWriterFence = new(
        nameof(ReadJournalWriterFence),
        "SELECT fenced_at IS NOT NULL FROM journal_writer WHERE id = $1",
        ["integer"]);

    /// <summary>Registers a journal writer by name, or finds it: its id and whether it is already fenced.</summary>
    public static readonly GridQuery RegisterJournalWriter = new(
        nameof(RegisterJournalWriter),
        """
        WITH registered AS (
            INSERT INTO journal_writer (name) VALUES ($1)
            ON CONFLICT (name) DO NOTHING
            RETURNING id, fenced_at)
        SELECT id, fenced_at IS NOT NULL FROM registered
        UNION ALL
        SELECT id, fenced_at IS NOT NULL FROM journal_writer WHERE name = $1
        LIMIT 1
        """,
        ["text"]);

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

    /// <summary>
    /// Moves a partition's checkpoint from the value its reader read, fenced like the appends: 1 when moved, 0 when
    /// another reader moved it first, -1 when the writer is fenced (nothing moved).
    /// </summary>
    public static readonly GridQuery AdvanceJournalCheckpoint = new(
        nameof(AdvanceJournalCheckpoint),
        """
        WITH writer AS (
            SELECT id FROM journal_writer WHERE id = $6 AND fenced_at IS NULL FOR SHARE),
        moved AS (
            UPDATE journal_checkpoint
            SET tx = $4, position = $5, writer = $6, updated_at = now()
            WHERE partition = $1 AND tx = $2 AND position = $3 AND EXISTS (SELECT 1 FROM writer)
            RETURNING 1),
        created AS (
            INSERT INTO journal_checkpoint (partition, tx, position, writer)
            SELECT $1, $4, $5, $6
            WHERE $2 = '0'::xid8 AND $3 = 0 AND EXISTS (SELECT 1 FROM writer)
            ON CONFLICT (partition) DO NOTHING
            RETURNING 1)
        SELECT CASE WHEN EXISTS (SELECT 1 FROM writer) THEN (SELECT count(*) FROM moved) + (SELECT count(*) FROM created) ELSE -1 END
        """,
        ["integer", "xid8", "bigint", "xid8", "bigint", "integer"]);

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

    /// <summary>
    /// $1 a new layout id, $2 the configured server count, $3 this server's place: recorded on first use (migration 0022);
    /// answers the stored layout, server count and place.
    /// </summary>
    public static readonly GridQuery ClaimJournalLayout = new(
        nameof(ClaimJournalLayout),
        """
        WITH claimed AS (
            INSERT INTO journal_layout (layout, servers, server) VALUES ($1, $2, $3)
            ON CONFLICT (singleton) DO NOTHING
            RETURNING layout, servers, server)
        SELECT layout, servers, server FROM claimed
        UNION ALL
        SELECT layout, servers, server FROM journal_layout
        LIMIT 1
        """,
        ["uuid", "integer", "integer"]);

    public static readonly GridQuery ReadJournalLayout = new(
        nameof(ReadJournalLayout),
        "SELECT layout, servers, server FROM journal_layout",
        []);

    /// <summary>The partitions whose reader has moved a checkpoint: at most one row per partition.</summary>
    public static readonly GridQuery ReadFollowedJournalPartitions = new(
        nameof(ReadFollowedJournalPartitions),
        "SELECT partition FROM journal_checkpoint",
        []);

    /// <summary>
    /// The journal half of <see cref="ReadJournalBacklog"/>, for a partition whose rows live on another server than its
    /// checkpoint: $1 partition, $2 and $3 the checkpoint, $4 the count cap: unread events, the oldest's time.
    /// </summary>
    public static readonly GridQuery ReadJournalPartitionBacklog = new(
        nameof(ReadJournalPartitionBacklog),
        """
        SELECT
            (SELECT count(*) FROM (
                SELECT 1 FROM event_journal
                WHERE partition = $1 AND (tx, position) > ($2, $3)
                ORDER BY tx, position
                LIMIT $4) AS unread),
            (SELECT recorded_at FROM event_journal
                WHERE partition = $1 AND (tx, position) > ($2, $3)
                ORDER BY tx, position LIMIT 1)
        """,
        ["integer", "xid8", "bigint", "integer"]);

    /// <summary>The primary's half of <see cref="ReadJournalBacklog"/>: $1 partition: its dead letters, its checkpoint's time.</summary>
    public static readonly GridQuery ReadJournalReaderProgress = new(
        nameof(ReadJournalReaderProgress),
        """
        SELECT
            (SELECT count(*) FROM journal_dead_letter WHERE partition = $1),
            (SELECT updated_at FROM journal_checkpoint WHERE partition = $1)
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

    // Read models (migration 0011). Lists page by keyset: $after-time and $after-id are the last row shown (the first
    // page passes a position before or after every row), and the row comparison matches the index order.
    /// <summary>$1 id, $2 queue, $3 subject, $4 reason, $5 opened at, $6 owners, $7 cause, $8 customer: opens, or reopens a resolved item for a new cause.</summary>
    public static readonly GridQuery OpenExceptionItem = new(
        nameof(OpenExceptionItem),
        """
        INSERT INTO exception_item AS i (exception_id, queue, subject, reason, opened_at, owners, cause, customer_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (exception_id) DO UPDATE
        SET queue = excluded.queue, subject = excluded.subject, reason = excluded.reason, opened_at = excluded.opened_at,
            owners = excluded.owners, cause = excluded.cause, customer_id = excluded.customer_id, resolution = NULL, resolved_at = NULL
        WHERE i.resolution IS NOT NULL AND i.cause IS DISTINCT FROM excluded.cause
        """,
        ["text", "smallint", "text", "text", "timestamptz", "integer", "text", "text"]);

    public static readonly GridQuery ResolveExceptionItem = new(
        nameof(ResolveExceptionItem),
        "UPDATE exception_item SET resolution = $2, resolved_at = $3 WHERE exception_id = $1 AND resolution IS NULL",
        ["text", "text", "timestamptz"]);

    public static readonly GridQuery FindExceptionItem = new(
        nameof(FindExceptionItem),
        $"SELECT {ExceptionItemColumns} FROM exception_item WHERE exception_id = $1",
        ["text"]);

    /// <summary>$1 the queues, $2 opened at or before, $3 and $4 after, $5 the limit.</summary>
    public static readonly GridQuery ListExceptionItems = ExceptionItemList(nameof(ListExceptionItems), "queue = ANY($1)", "smallint[]");

    public static readonly GridQuery ListOpenExceptionItems =
        ExceptionItemList(nameof(ListOpenExceptionItems), "resolution IS NULL AND queue = ANY($1)", "smallint[]");

    /// <summary>
    /// Open items per queue by age, $1 an hour ago, $2 a day ago, $3 a week ago: on the open items' partial index, which
    /// holds only what people still have to work.
    /// </summary>
    public static readonly GridQuery CountOpenExceptionItems = new(
        nameof(CountOpenExceptionItems),
        """
        SELECT queue,
               count(*) FILTER (WHERE opened_at > $1),
               count(*) FILTER (WHERE opened_at <= $1 AND opened_at > $2),
               count(*) FILTER (WHERE opened_at <= $2 AND opened_at > $3),
               count(*) FILTER (WHERE opened_at <= $3),
               min(opened_at)
        FROM exception_item
        WHERE resolution IS NULL
        GROUP BY queue
        ORDER BY queue
        """,
        ["timestamptz", "timestamptz", "timestamptz"]);

    /// <summary>The same for one queue, on that queue's slice of the index.</summary>
    public static readonly GridQuery ListQueueExceptionItems = ExceptionItemList(nameof(ListQueueExceptionItems), "queue = $1", "smallint");

    public static readonly GridQuery ListOpenQueueExceptionItems =
        ExceptionItemList(nameof(ListOpenQueueExceptionItems), "resolution IS NULL AND queue = $1", "smallint");

    /// <summary>
    /// $1 case, $2 customer, $3 shipment, $4 reason, $5 entry time, $6 text, $7 source event, $8 entries kept: opens the
    /// case or adds the entry once per source event (a resolved case opens again), dropping entries past the bound.
    /// </summary>
    public static readonly GridQuery OpenServiceCase = new(
        nameof(OpenServiceCase),
        """
        WITH touched AS (
            INSERT INTO service_case AS c (case_id, customer_id, shipment_id, reason, status, opened_at, last_entry)
            VALUES ($1, $2, $3, $4, 0, $5, 1)
            ON CONFLICT (case_id) DO UPDATE
            SET last_entry = c.last_entry + 1, status = CASE WHEN c.status = 2 THEN 0 ELSE c.status END, resolved_at = NULL
            WHERE NOT EXISTS (
                SELECT 1 FROM service_case_entry e WHERE e.case_id = $1 AND e.source_event_id IS NOT DISTINCT FROM $7)
            RETURNING c.last_entry),
        trimmed AS (
            DELETE FROM service_case_entry e USING touched
            WHERE e.case_id = $1 AND e.seq <= touched.last_entry - $8)
        INSERT INTO service_case_entry (case_id, seq, at, text, source_event_id)
        SELECT $1, last_entry, $5, $6, $7 FROM touched
        """,
        ["text", "text", "text", "smallint", "timestamptz", "text", "text", "integer"]);

    /// <summary>$1 case, $2 entry time, $3 text, $4 source event, $5 entries kept: resolves an unresolved case once per source event.</summary>
    public static readonly GridQuery ResolveServiceCase = new(
        nameof(ResolveServiceCase),
        """
        WITH touched AS (
            UPDATE service_case AS c SET status = 2, resolved_at = $2, last_entry = c.last_entry + 1
            WHERE c.case_id = $1 AND c.status <> 2
              AND NOT EXISTS (
                SELECT 1 FROM service_case_entry e WHERE e.case_id = $1 AND e.source_event_id IS NOT DISTINCT FROM $4)
            RETURNING c.last_entry),
        trimmed AS (
            DELETE FROM service_case_entry e USING touched
            WHERE e.case_id = $1 AND e.seq <= touched.last_entry - $5)
        INSERT INTO service_case_entry (case_id, seq, at, text, source_event_id)
        SELECT $1, last_entry, $2, $3, $4 FROM touched
        """,
        ["text", "timestamptz", "text", "text", "integer"]);

    /// <summary>$1 customer, $2 case: the case with its timeline in order.</summary>
    public static readonly GridQuery FindServiceCase = ServiceCases(
        nameof(FindServiceCase), "SELECT * FROM service_case WHERE case_id = $2 AND customer_id = $1", ["text", "text"]);

    /// <summary>$1 customer, $2 and $3 after, $4 the limit.</summary>
    public static readonly GridQuery ListServiceCases = ServiceCases(
        nameof(ListServiceCases),
        """
        SELECT * FROM service_case
        WHERE customer_id = $1 AND (opened_at, case_id) > ($2, $3)
        ORDER BY opened_at, case_id
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    public static readonly GridQuery ListOpenServiceCases = ServiceCases(
        nameof(ListOpenServiceCases),
        """
        SELECT * FROM service_case
        WHERE customer_id = $1 AND status <> 2 AND (opened_at, case_id) > ($2, $3)
        ORDER BY opened_at, case_id
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    /// <summary>Queues each notification once per id, in the order given (their outbox positions follow it), with the trace context that queued it.</summary>
    public static readonly GridQuery QueueNotifications = new(
        nameof(QueueNotifications),
        """
        INSERT INTO crm_notification (notification_id, customer_id, kind, subject, text, occurred_at, trace_parent)
        SELECT n.notification_id, n.customer_id, n.kind, n.subject, n.text, n.occurred_at, n.trace_parent
        FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
            WITH ORDINALITY AS n (notification_id, customer_id, kind, subject, text, occurred_at, trace_parent, ord)
        ORDER BY n.ord
        ON CONFLICT (notification_id) DO NOTHING
        """,
        ["text[]", "text[]", "smallint[]", "text[]", "text[]", "timestamptz[]", "text[]"]);

    /// <summary>$1 customer, $2 and $3 after, $4 the limit.</summary>
    public static readonly GridQuery ListNotifications = new(
        nameof(ListNotifications),
        """
        SELECT notification_id, customer_id, kind, subject, text, occurred_at
        FROM crm_notification
        WHERE customer_id = $1 AND (occurred_at, notification_id) > ($2, $3)
        ORDER BY occurred_at, notification_id
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    public static readonly GridQuery TrackCustomerShipments = new(
        nameof(TrackCustomerShipments),
        """
        INSERT INTO customer_shipment (shipment_id, customer_id, carrier_id, booked_at, status, billing_status, updated_at)
        SELECT s.shipment_id, s.customer_id, s.carrier_id, s.booked_at, 0, 0, s.booked_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS s (shipment_id, customer_id, carrier_id, booked_at)
        ON CONFLICT (shipment_id) DO NOTHING
        """,
        ["text[]", "text[]", "text[]", "timestamptz[]"]);

    /// <summary>One advance per shipment (folded beforehand): GREATEST ignores a null, so a null leaves the field.</summary>
    public static readonly GridQuery AdvanceCustomerShipments = new(
        nameof(AdvanceCustomerShipments),
        """
        UPDATE customer_shipment AS s
        SET status = GREATEST(s.status, a.status),
            billing_status = GREATEST(s.billing_status, a.billing_status),
            invoice_number = coalesce(s.invoice_number, a.invoice_number),
            invoice_status = coalesce(a.invoice_status, s.invoice_status),
            updated_at = GREATEST(s.updated_at, a.at)
        FROM unnest($1::text[], $2::smallint[], $3::smallint[], $4::text[], $5::smallint[], $6::timestamptz[])
            AS a (shipment_id, status, billing_status, invoice_number, invoice_status, at)
        WHERE s.shipment_id = a.shipment_id
        """,
        ["text[]", "smallint[]", "smallint[]", "text[]", "smallint[]", "timestamptz[]"]);

    /// <summary>$1 customer, $2 and $3 after (newest first: rows before it), $4 the limit.</summary>
    public static readonly GridQuery ListCustomerShipments = new(
        nameof(ListCustomerShipments),
        """
        SELECT shipment_id, customer_id, carrier_id, booked_at, status, billing_status, invoice_number, invoice_status, updated_at
        FROM customer_shipment
        WHERE customer_id = $1 AND (booked_at, shipment_id) < ($2, $3)
        ORDER BY booked_at DESC, shipment_id DESC
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    /// <summary>
    /// $1 carrier, $2 event id, $3 shipment, $4 the event, $5 reason, $6 time, $7 its UTC day, $8 histogram buckets, $9 source,
    /// $10 rejection, $11 and $12 the reference kind and value naming the shipment when no id did (a sent-again letter keeps its reference): keeps
    /// the letter or opens it again with the new reason; only a new row (xmax 0: inserted, not updated) counts in the
    /// carrier's dead-letter KPI.
    /// </summary>
    public static readonly GridQuery KeepDeadLetter = new(
        nameof(KeepDeadLetter),
        """
        WITH kept AS (
            INSERT INTO carrier_dead_letter AS d (carrier_id, event_id, shipment_id, event, reason, dead_lettered_at, status, source, reason_code, reference_kind, reference)
            VALUES ($1, $2, $3, $4, $5, $6, 0, $9, $10, $11, $12)
            ON CONFLICT (carrier_id, event_id) DO UPDATE
            SET reason = excluded.reason, reason_code = excluded.reason_code, status = 0, replayed_at = NULL, discard_reason = NULL, discarded_at = NULL,
                reference_kind = coalesce(excluded.reference_kind, d.reference_kind), reference = coalesce(excluded.reference, d.reference)
            RETURNING (d.xmax = 0) AS first)
        INSERT INTO kpi_bucket AS k (scope, subject, day, metric, count, total_seconds, histogram)
        SELECT 0, $1, $7, 'dead-letters', 1, 0, array_fill(0::bigint, ARRAY[$8]) FROM kept WHERE kept.first
        ON CONFLICT (scope, subject, day, metric, shard) DO UPDATE SET count = k.count + 1
        """,
        ["text", "text", "text", "bytea", "text", "timestamptz", "date", "integer", "smallint", "text", "smallint", "text"]);

    public static readonly GridQuery CountDeadLetterReplay = new(
        nameof(CountDeadLetterReplay),
        "UPDATE carrier_dead_letter SET replay_attempts = replay_attempts + 1 WHERE carrier_id = $1 AND event_id = $2",
        ["text", "text"]);

    public static readonly GridQuery MarkDeadLetterReplayed = new(
        nameof(MarkDeadLetterReplayed),
        "UPDATE carrier_dead_letter SET status = 1, replayed_at = $3 WHERE carrier_id = $1 AND event_id = $2 AND status = 0",
        ["text", "text", "timestamptz"]);

    /// <summary>$1 carrier, $2 event id, $3 reason, $4 time: sets an open letter aside.</summary>
    public static readonly GridQuery DiscardDeadLetter = new(
        nameof(DiscardDeadLetter),
        "UPDATE carrier_dead_letter SET status = 2, discard_reason = $3, discarded_at = $4 WHERE carrier_id = $1 AND event_id = $2 AND status = 0",
        ["text", "text", "text", "timestamptz"]);

    public static readonly GridQuery FindDeadLetter = new(
        nameof(FindDeadLetter),
        $"""
        SELECT {DeadLetterColumns}
        FROM carrier_dead_letter WHERE carrier_id = $1 AND event_id = $2
        """,
        ["text", "text"]);

    /// <summary>$1 carrier, $2 and $3 after, $4 the limit.</summary>
    public static readonly GridQuery ListDeadLetters = new(
        nameof(ListDeadLetters),
        $"""
        SELECT {DeadLetterColumns}
        FROM carrier_dead_letter
        WHERE carrier_id = $1 AND (dead_lettered_at, event_id) > ($2, $3)
        ORDER BY dead_lettered_at, event_id
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    /// <summary>
    /// Adds buckets (folded per key beforehand, so no row is touched twice) to shard $11 (a journal reader's partition,
    /// or -1 outside the readers; migration 0026), in key order so that writers of one shard lock its rows in the same
    /// order. $9 holds every row's histogram one after another, $10 long each.
    /// </summary>
    public static readonly GridQuery AddKpiBuckets = new(
        nameof(AddKpiBuckets),
        """
        INSERT INTO kpi_bucket AS k (scope, subject, day, metric, count, total_seconds, min_seconds, max_seconds, histogram, shard)
        SELECT b.scope, b.subject, b.day, b.metric, b.count, b.total_seconds, b.min_seconds, b.max_seconds,
               $9[(b.ord - 1) * $10 + 1 : b.ord * $10], $11
        FROM unnest($1::smallint[], $2::text[], $3::date[], $4::text[], $5::bigint[], $6::numeric[], $7::numeric[], $8::numeric[])
            WITH ORDINALITY AS b (scope, subject, day, metric, count, total_seconds, min_seconds, max_seconds, ord)
        ORDER BY b.ord
        ON CONFLICT (scope, subject, day, metric, shard) DO UPDATE
        SET count = k.count + excluded.count,
            total_seconds = k.total_seconds + excluded.total_seconds,
            min_seconds = LEAST(k.min_seconds, excluded.min_seconds),
            max_seconds = GREATEST(k.max_seconds, excluded.max_seconds),
            histogram = ARRAY(
                SELECT h.kept + h.added FROM unnest(k.histogram, excluded.histogram) WITH ORDINALITY AS h (kept, added, ord) ORDER BY h.ord)
        """,
        ["smallint[]", "text[]", "date[]", "text[]", "bigint[]", "numeric[]", "numeric[]", "numeric[]", "bigint[]", "integer", "smallint"]);

    /// <summary>$1 scope, $2 subject, $3 first day, $4 end day (excluded): every shard's row of each day.</summary>
    public static readonly GridQuery ReadKpiBuckets = new(
        nameof(ReadKpiBuckets),
        """
        SELECT metric, count, total_seconds, min_seconds, max_seconds, histogram
        FROM kpi_bucket
        WHERE scope = $1 AND subject = $2 AND day >= $3 AND day < $4
        """,
        ["smallint", "text", "date", "date"]);

    // Retention (ReadModelRetention): bounded batches of what each cutoff $1 no longer keeps.
    public static readonly GridQuery PurgeResolvedExceptionItems =
        Purge(nameof(PurgeResolvedExceptionItems), "exception_item", "resolution IS NOT NULL AND resolved_at < $1", "resolved_at", "timestamptz");

    public static readonly GridQuery PurgeResolvedServiceCases =
        Purge(nameof(PurgeResolvedServiceCases), "service_case", "status = 2 AND resolved_at < $1", "resolved_at", "timestamptz");

    public static readonly GridQuery PurgeNotifications =
        Purge(nameof(PurgeNotifications), "crm_notification", "occurred_at < $1", "occurred_at", "timestamptz");

    public static readonly GridQuery PurgeReplayedDeadLetters =
        Purge(nameof(PurgeReplayedDeadLetters), "carrier_dead_letter", "status = 1 AND replayed_at < $1", "replayed_at", "timestamptz");

    public static readonly GridQuery PurgeDiscardedDeadLetters =
        Purge(nameof(PurgeDiscardedDeadLetters), "carrier_dead_letter", "status = 2 AND discarded_at < $1", "discarded_at", "timestamptz");

    // Dead letters across carriers (migration 0015): the lead filter picks the index; the others filter its rows.
    public static readonly GridQuery ListAllDeadLetters = DeadLetterList(nameof(ListAllDeadLetters), null);

    public static readonly GridQuery ListDeadLettersOfCarrier = DeadLetterList(nameof(ListDeadLettersOfCarrier), ("carrier_id", "text"));

    public static readonly GridQuery ListDeadLettersByReason = DeadLetterList(nameof(ListDeadLettersByReason), ("reason_code", "text"));

    public static readonly GridQuery ListDeadLettersBySource = DeadLetterList(nameof(ListDeadLettersBySource), ("source", "smallint"));

    /// <summary>Only decided outcomes: one still Queued after days is worth keeping to look into.</summary>
    public static readonly GridQuery PurgeQueuedEventOutcomes =
        Purge(nameof(PurgeQueuedEventOutcomes), "queued_event_outcome", "updated_at < $1 AND status <> 'Queued'", "updated_at", "timestamptz");

    public static readonly GridQuery PurgeKpiBuckets = Purge(nameof(PurgeKpiBuckets), "kpi_bucket", "day < $1", "day", "date");

    // Shipments by reference (migration 0016). Six parallel arrays, one element per row: $1 kinds, $2 references,
    // $3 carriers, $4 shipments, $5 customers, $6 booked at.
    /// <summary>
    /// One row per (kind, reference, carrier), at most one of each per statement, in key order: the latest booking
    /// wins, and a row already naming that booking is left as it is (the readers index every booking again).
    /// </summary>
    public static readonly GridQuery IndexShipmentReferences = new(
        nameof(IndexShipmentReferences),
        """
        INSERT INTO shipment_reference AS s (kind, reference, carrier_id, shipment_id, customer_id, booked_at)
        SELECT * FROM unnest($1::smallint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
        ON CONFLICT (kind, reference, carrier_id) DO UPDATE
        SET shipment_id = excluded.shipment_id, customer_id = excluded.customer_id, booked_at = excluded.booked_at
        WHERE excluded.booked_at >= s.booked_at
          AND (excluded.shipment_id, excluded.customer_id, excluded.booked_at) IS DISTINCT FROM (s.shipment_id, s.customer_id, s.booked_at)
        """,
        ["smallint[]", "text[]", "text[]", "text[]", "text[]", "timestamptz[]"]);

    public static readonly GridQuery FindShipmentsByReference = new(
        nameof(FindShipmentsByReference),
        """
        SELECT shipment_id, carrier_id, customer_id, booked_at FROM shipment_reference
        WHERE kind = $1 AND reference = $2 ORDER BY booked_at DESC, carrier_id LIMIT $3
        """,
        ["smallint", "text", "integer"]);

    public static readonly GridQuery FindCarrierShipmentByReference = new(
        nameof(FindCarrierShipmentByReference),
        """
        SELECT shipment_id, carrier_id, customer_id, booked_at FROM shipment_reference
        WHERE kind = $1 AND reference = $2 AND carrier_id = $3
        """,
        ["smallint", "text", "text"]);

    // EDI interchanges (migration 0017).
    public static readonly GridQuery AddEdiInterchange = new(
        nameof(AddEdiInterchange),
        """
        INSERT INTO edi_interchange (carrier_id, control_number, received_at, raw, acknowledgement, summary)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (carrier_id, control_number) DO NOTHING
        """,
        ["text", "text", "timestamptz", "text", "text", "text"]);

    public static readonly GridQuery FindEdiInterchange = new(
        nameof(FindEdiInterchange),
        "SELECT received_at, raw, acknowledgement, summary FROM edi_interchange WHERE carrier_id = $1 AND control_number = $2",
        ["text", "text"]);

    // API keys (migration 0013). Lists page newest first by keyset, like the read models.
    public static readonly GridQuery CreateApiKey = new(
        nameof(CreateApiKey),
        """
        INSERT INTO api_key (key_id, partner, roles, token_hash, created_at, description)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        ["text", "text", "text[]", "bytea", "timestamptz", "text"]);

    public static readonly GridQuery FindApiKey = new(
        nameof(FindApiKey),
        "SELECT key_id, partner, roles, token_hash, created_at, revoked_at, description FROM api_key WHERE key_id = $1",
        ["text"]);

    public static readonly GridQuery ListApiKeys = new(
        nameof(ListApiKeys),
        """
        SELECT key_id, partner, roles, token_hash, created_at, revoked_at, description
        FROM api_key
        WHERE (created_at, key_id) < ($1, $2)
        ORDER BY created_at DESC, key_id DESC
        LIMIT $3
        """,
        ["timestamptz", "text", "integer"]);

    public static readonly GridQuery ListPartnerApiKeys = new(
        nameof(ListPartnerApiKeys),
        """
        SELECT key_id, partner, roles, token_hash, created_at, revoked_at, description
        FROM api_key
        WHERE partner = $1 AND (created_at, key_id) < ($2, $3)
        ORDER BY created_at DESC, key_id DESC
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    /// <summary>Revokes once: a revoked key keeps its first revocation time. Answers the key either way.</summary>
    public static readonly GridQuery RevokeApiKey = new(
        nameof(RevokeApiKey),
        """
        UPDATE api_key SET revoked_at = coalesce(revoked_at, $2)
        WHERE key_id = $1
        RETURNING key_id, partner, roles, token_hash, created_at, revoked_at, description
        """,
        ["text", "timestamptz"]);
    // Audit log (migration 0014): append-only, newest first.
    /// <summary>
    /// One insert for a whole batch of the audit writer (group commit). An entry already stored (a batch retried after
    /// its commit was lost on the way back) is kept as it is. Roles travel as one space-separated text per entry (no role
    /// holds a space): unnest cannot hand out an array of uneven arrays row by row.
    /// </summary>
    public static readonly GridQuery AppendAuditEntries = new(
        nameof(AppendAuditEntries),
        """
        INSERT INTO audit_entry (at, entry_id, key_id, partner, roles, method, route, subject, status, trace_id)
        SELECT e.at, e.entry_id, e.key_id, e.partner, string_to_array(e.roles, ' '), e.method, e.route, e.subject, e.status, e.trace_id
        FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::smallint[], $10::text[])
            AS e (at, entry_id, key_id, partner, roles, method, route, subject, status, trace_id)
        ON CONFLICT (at, entry_id) DO NOTHING
        """,
        ["timestamptz[]", "text[]", "text[]", "text[]", "text[]", "text[]", "text[]", "text[]", "smallint[]", "text[]"]);

    /// <summary>Every entry the filters select, newest first, through the order of the primary key.</summary>
    public static readonly GridQuery ListAuditEntries = AuditList(nameof(ListAuditEntries), "true");

    /// <summary>The same, led by the key index: a key id was asked for (the most selective filter, so it leads when several are).</summary>
    public static readonly GridQuery ListAuditEntriesByKey = AuditList(nameof(ListAuditEntriesByKey), "key_id = $4");

    public static readonly GridQuery ListAuditEntriesByRoute = AuditList(nameof(ListAuditEntriesByRoute), "route = $6");

    public static readonly GridQuery ListAuditEntriesByPartner = AuditList(nameof(ListAuditEntriesByPartner), "partner = $5");

    public static readonly GridQuery ListAuditEntriesByOutcome = AuditList(nameof(ListAuditEntriesByOutcome), "status / 100 = $7");

    // Webhook retention (migration 0020): settled deliveries and logged attempts past the retention.
    public static readonly GridQuery PurgeSettledWebhookDeliveries =
        Purge(nameof(PurgeSettledWebhookDeliveries), "webhook_delivery", "status <> 0 AND settled_at < $1", "settled_at", "timestamptz");

    public static readonly GridQuery PurgeWebhookDeliveryAttempts =
        Purge(nameof(PurgeWebhookDeliveryAttempts), "webhook_delivery_attempt", "attempted_at < $1", "attempted_at", "timestamptz");

    public static readonly GridQuery PurgeAuditEntries = Purge(nameof(PurgeAuditEntries), "audit_entry", "at < $1", "at", "timestamptz");

    // Webhook subscriptions and the Data Protection key ring (migration 0018).
    private const string WebhookSubscriptionColumns =
        "subscription_id, url, event_types, customer_id, description, enabled, consecutive_failures, disabled_reason, created_at, "
        + "secret_rotated_at, previous_secret_expires_at, secret, previous_secret";

    public static readonly GridQuery CreateWebhookSubscription = new(
        nameof(CreateWebhookSubscription),
        """
        INSERT INTO webhook_subscription (subscription_id, url, event_types, customer_id, description, enabled, created_at, secret)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        ["text", "text", "smallint[]", "text", "text", "boolean", "timestamptz", "text"]);

    public static readonly GridQuery FindWebhookSubscription = new(
        nameof(FindWebhookSubscription),
        $"SELECT {WebhookSubscriptionColumns} FROM webhook_subscription WHERE subscription_id = $1",
        ["text"]);

    /// <summary>Newest first, after ($1, $2), at most $3.</summary>
    public static readonly GridQuery ListWebhookSubscriptions = new(
        nameof(ListWebhookSubscriptions),
        $"""
        SELECT {WebhookSubscriptionColumns} FROM webhook_subscription
        WHERE (created_at, subscription_id) < ($1, $2)
        ORDER BY created_at DESC, subscription_id DESC
        LIMIT $3
        """,
        ["timestamptz", "text", "integer"]);

    /// <summary>Enabling clears the failure streak and the reason; disabling keeps the streak and records $3.</summary>
    public static readonly GridQuery SetWebhookSubscriptionEnabled = new(
        nameof(SetWebhookSubscriptionEnabled),
        $"""
        UPDATE webhook_subscription
        SET enabled = $2,
            consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures END,
            disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END
        WHERE subscription_id = $1
        RETURNING {WebhookSubscriptionColumns}
        """,
        ["text", "boolean", "text"]);

    /// <summary>The current secret becomes the previous one, which signs alongside until $4.</summary>
    public static readonly GridQuery RotateWebhookSecret = new(
        nameof(RotateWebhookSecret),
        $"""
        UPDATE webhook_subscription
        SET previous_secret = secret, secret = $2, secret_rotated_at = $3, previous_secret_expires_at = $4
        WHERE subscription_id = $1
        RETURNING {WebhookSubscriptionColumns}
        """,
        ["text", "text", "timestamptz", "timestamptz"]);

    public static readonly GridQuery DeleteWebhookSubscription = new(
        nameof(DeleteWebhookSubscription),
        "DELETE FROM webhook_subscription WHERE subscription_id = $1",
        ["text"]);

    /// <summary>
    /// Hands out at most $1 notifications not handed out yet, at $2: each becomes a delivery for every enabled
    /// subscription that wants it. Several dispatchers skip each other's rows. Returns how many were taken.
    /// </summary>
    public static readonly GridQuery FanOutWebhookNotifications = new(
        nameof(FanOutWebhookNotifications),
        """
        WITH taken AS (
            SELECT position FROM crm_notification WHERE delivered_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED
        ), marked AS (
            UPDATE crm_notification n SET delivered_at = $2 FROM taken WHERE n.position = taken.position
            RETURNING n.notification_id, n.customer_id, n.kind
        ), queued AS (
            INSERT INTO webhook_delivery (subscription_id, notification_id, next_attempt_at)
            SELECT s.subscription_id, m.notification_id, $2
            FROM marked m
            JOIN webhook_subscription s ON s.enabled AND m.kind = ANY (s.event_types) AND (s.customer_id IS NULL OR s.customer_id = m.customer_id)
            ON CONFLICT (subscription_id, notification_id) DO NOTHING
        )
        SELECT count(*)::integer FROM marked
        """,
        ["integer", "timestamptz"]);

    /// <summary>
    /// Claims at most $2 pending deliveries due at $1 to enabled subscriptions, leased until $3 (when they come due again
    /// if never settled), with their notifications and the trace context that queued each.
    /// </summary>
    public static readonly GridQuery ClaimWebhookDeliveries = new(
        nameof(ClaimWebhookDeliveries),
        """
        UPDATE webhook_delivery d
        SET attempts = d.attempts + 1, next_attempt_at = $3
        FROM (
            SELECT d2.subscription_id, d2.notification_id, n.customer_id, n.kind, n.subject, n.text, n.occurred_at, n.trace_parent
            FROM webhook_delivery d2
            JOIN webhook_subscription s ON s.subscription_id = d2.subscription_id AND s.enabled
            JOIN crm_notification n ON n.notification_id = d2.notification_id
            WHERE d2.status = 0 AND d2.next_attempt_at <= $1
            ORDER BY d2.next_attempt_at
            LIMIT $2
            FOR UPDATE OF d2 SKIP LOCKED
        ) due
        WHERE d.subscription_id = due.subscription_id AND d.notification_id = due.notification_id
        RETURNING d.subscription_id, d.attempts, d.notification_id, due.customer_id, due.kind, due.subject, due.text, due.occurred_at, due.trace_parent
        """,
        ["timestamptz", "integer", "timestamptz"]);

    public static readonly GridQuery LogWebhookAttempt = new(
        nameof(LogWebhookAttempt),
        """
        INSERT INTO webhook_delivery_attempt
            (attempt_id, subscription_id, notification_id, attempt, attempted_at, status_code, error, succeeded, next_attempt_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        ["text", "text", "text", "integer", "timestamptz", "integer", "text", "boolean", "timestamptz"]);

    /// <summary>Delivered ($3), due again at $4, or given up (neither); settled at $5.</summary>
    public static readonly GridQuery SettleWebhookDelivery = new(
        nameof(SettleWebhookDelivery),
        """
        UPDATE webhook_delivery
        SET status = CASE WHEN $3 THEN 1 WHEN $4::timestamptz IS NULL THEN 2 ELSE 0 END,
            next_attempt_at = coalesce($4, next_attempt_at),
            settled_at = CASE WHEN $3 OR $4::timestamptz IS NULL THEN $5 END
        WHERE subscription_id = $1 AND notification_id = $2
        """,
        ["text", "text", "boolean", "timestamptz", "timestamptz"]);

    /// <summary>A success ($2) clears the failure streak; a failure lengthens it and disables at $3 in a row.</summary>
    public static readonly GridQuery CountWebhookOutcome = new(
        nameof(CountWebhookOutcome),
        """
        UPDATE webhook_subscription
        SET consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END,
            enabled = enabled AND ($2 OR consecutive_failures + 1 < $3),
            disabled_reason = CASE WHEN enabled AND NOT $2 AND consecutive_failures + 1 >= $3
                THEN 'Disabled after ' || (consecutive_failures + 1) || ' failed deliveries in a row.' ELSE disabled_reason END
        WHERE subscription_id = $1
        """,
        ["text", "boolean", "integer"]);

    /// <summary>$1 subscription, newest first after ($2, $3), at most $4.</summary>
    public static readonly GridQuery ListWebhookAttempts = new(
        nameof(ListWebhookAttempts),
        """
        SELECT attempt_id, subscription_id, notification_id, attempt, attempted_at, status_code, error, succeeded, next_attempt_at
        FROM webhook_delivery_attempt
        WHERE subscription_id = $1 AND (attempted_at, attempt_id) < ($2, $3)
        ORDER BY attempted_at DESC, attempt_id DESC
        LIMIT $4
        """,
        ["text", "timestamptz", "text", "integer"]);

    /// <summary>Attempts to deliver any of the notifications $1, newest first, at most $2.</summary>
    public static readonly GridQuery ListNotificationWebhookAttempts = new(
        nameof(ListNotificationWebhookAttempts),
        """
        SELECT attempt_id, subscription_id, notification_id, attempt, attempted_at, status_code, error, succeeded, next_attempt_at
        FROM webhook_delivery_attempt
        WHERE notification_id = ANY($1)
        ORDER BY attempted_at DESC, attempt_id DESC
        LIMIT $2
        """,
        ["text[]", "integer"]);

    /// <summary>Queues notification $2 again for subscription $1, due at $3, as a fresh delivery; nothing when it is not kept.</summary>
    public static readonly GridQuery RedeliverWebhookNotification = new(
        nameof(RedeliverWebhookNotification),
        """
        INSERT INTO webhook_delivery (subscription_id, notification_id, next_attempt_at)
        SELECT $1, notification_id, $3 FROM crm_notification WHERE notification_id = $2
        ON CONFLICT (subscription_id, notification_id) DO UPDATE SET status = 0, attempts = 0, next_attempt_at = $3, settled_at = NULL
        """,
        ["text", "text", "timestamptz"]);

    /// <summary>The whole key ring: a handful of rows, never a large table.</summary>
    public static readonly GridQuery ReadDataProtectionKeys = new(
        nameof(ReadDataProtectionKeys),
        "SELECT xml FROM data_protection_key ORDER BY stored_at, friendly_name",
        []);

    public static readonly GridQuery StoreDataProtectionKey = new(
        nameof(StoreDataProtectionKey),
        "INSERT INTO data_protection_key (friendly_name, xml) VALUES ($1, $2) ON CONFLICT (friendly_name) DO NOTHING",
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

    private const string ExceptionItemColumns = "exception_id, queue, subject, reason, opened_at, owners, resolution, resolved_at, cause, customer_id";

    /// <summary>Exception items matching <paramref name="filter"/> on $1, opened at or before $2, after ($3, $4), at most $5.</summary>
    private static GridQuery ExceptionItemList(string name, string filter, string queuesType) => new(
        name,
        $"""
        SELECT {ExceptionItemColumns}
        FROM exception_item
        WHERE {filter} AND opened_at <= $2 AND (opened_at, exception_id) > ($3, $4)
        ORDER BY opened_at, exception_id
        LIMIT $5
        """,
        [queuesType, "timestamptz", "timestamptz", "text", "integer"]);

    /// <summary>
    /// Audit entries before ($1, $2) and at or after $3, newest first, at most $9, where <paramref name="leading"/> holds
    /// (the condition whose index serves the order) and each of the optional filters $4 key, $5 partner, $6 route, $7
    /// status class and $8 status that is not null.
    /// </summary>
    private static GridQuery AuditList(string name, string leading) => new(
        name,
        $"""
        SELECT at, entry_id, key_id, partner, roles, method, route, subject, status, trace_id
        FROM audit_entry
        WHERE {leading} AND (at, entry_id) < ($1, $2) AND at >= $3
          AND ($4::text IS NULL OR key_id = $4) AND ($5::text IS NULL OR partner = $5) AND ($6::text IS NULL OR route = $6)
          AND ($7::integer IS NULL OR status / 100 = $7) AND ($8::integer IS NULL OR status = $8)
        ORDER BY at DESC, entry_id DESC
        LIMIT $9
        """,
        ["timestamptz", "text", "timestamptz", "text", "text", "text", "integer", "integer", "integer"]);

    /// <summary>The cases <paramref name="cases"/> selects, each with its timeline in order, in the list order.</summary>
    private static GridQuery ServiceCases(string name, string cases, IReadOnlyList<string> parameterTypes) => new(
        name,
        $"""
        SELECT c.case_id, c.customer_id, c.shipment_id, c.reason, c.status, c.opened_at, t.ats, t.texts, t.sources
        FROM ({cases}) AS c
        CROSS JOIN LATERAL (
            SELECT array_agg(e.at ORDER BY e.seq) AS ats, array_agg(e.text ORDER BY e.seq) AS texts,
                   array_agg(e.source_event_id ORDER BY e.seq) AS sources
            FROM service_case_entry e WHERE e.case_id = c.case_id) AS t
        ORDER BY c.opened_at, c.case_id
        """,
        parameterTypes);

    private const string DeadLetterColumns =
        "event, reason, dead_lettered_at, status, replay_attempts, replayed_at, reason_code, discard_reason, discarded_at, carrier_id, reference_kind, reference";

    /// <summary>
    /// Dead letters oldest first across carriers, led by <paramref name="lead"/> ($1) when given; then the optional filters
    /// source, reason, carrier (null: any), dead-lettered before, open only, the position after, and the limit.
    /// </summary>
    private static GridQuery DeadLetterList(string name, (string Column, string Type)? lead)
    {
        var first = lead is null ? 1 : 2;
        string P(int offset) => "$" + (first + offset).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var leadFilter = lead is { } column ? $"{column.Column} = $1 AND " : string.Empty;
        return new(
            name,
            $"""
            SELECT {DeadLetterColumns}
            FROM carrier_dead_letter
            WHERE {leadFilter}({P(0)}::smallint IS NULL OR source = {P(0)}) AND ({P(1)}::text IS NULL OR reason_code = {P(1)})
              AND ({P(2)}::text IS NULL OR carrier_id = {P(2)}) AND dead_lettered_at < {P(3)} AND (NOT {P(4)} OR status = 0)
              AND (dead_lettered_at, carrier_id, event_id) > ({P(5)}, {P(6)}, {P(7)})
            ORDER BY dead_lettered_at, carrier_id, event_id
            LIMIT {P(8)}
            """,
            [.. lead is { } typed ? [typed.Type] : Array.Empty<string>(),
                "smallint", "text", "text", "timestamptz", "boolean", "timestamptz", "text", "text", "integer"]);
    }

    /// <summary>
    /// Retention (ReadModelRetention): deletes at most $2 rows of <paramref name="table"/> that <paramref name="old"/>
    /// selects by $1, found through the age index and deleted by their row address, so a batch costs the rows it removes.
    /// </summary>
    private static GridQuery Purge(string name, string table, string old, string age, string cutoffType) => new(
        name,
        $"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {old} ORDER BY {age} LIMIT $2))",
        [cutoffType, "integer"]);
}
