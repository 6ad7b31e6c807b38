namespace ShipmentGrid.Hosting.Postgres;

/// <summary>The journal's queries (migrations 0005 and 0009). Positional parameters, typed by the caller.</summary>
internal static class JournalSql
{
    /// <summary>$1 stream id.</summary>
    public const string ReadStream = "SELECT payload FROM event_journal WHERE stream_id = $1 ORDER BY version";

    /// <summary>$1 stream ids, $2 versions, $3 partitions, $4 event types, $5 payloads, $6 trace parents.</summary>
    public const string Append = """
        INSERT INTO event_journal (stream_id, version, partition, event_type, payload, trace_parent)
        SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::bytea[], $6::text[])
        """;

    /// <summary>$1 stream ids: each stream's current version.</summary>
    public const string StreamVersions = """
        SELECT s.stream_id, v.version
        FROM unnest($1::text[]) AS s (stream_id)
        CROSS JOIN LATERAL (
            SELECT j.version FROM event_journal j WHERE j.stream_id = s.stream_id ORDER BY j.version DESC LIMIT 1
        ) AS v
        """;

    /// <summary>
    /// $1 partition, $2 and $3 the cursor read from (tx as text, position), $4 page size. Only rows of transactions
    /// older than every transaction still running: they have all ended, so nothing can commit before them later.
    /// </summary>
    public const string ReadPartition = """
        SELECT tx::text, position, stream_id, version, payload, trace_parent, recorded_at
        FROM event_journal
        WHERE partition = $1
          AND (tx, position) > ($2::text::xid8, $3::bigint)
          AND tx < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY tx, position
        LIMIT $4
        """;

    /// <summary>$1 partition.</summary>
    public const string ReadCheckpoint = "SELECT tx::text, position FROM journal_checkpoint WHERE partition = $1";

    /// <summary>$1 partition, $2 and $3 the cursor the reader holds, $4 and $5 the new one. One row when the checkpoint moved.</summary>
    public const string AdvanceCheckpoint = """
        WITH moved AS (
            UPDATE journal_checkpoint
            SET tx = $4::text::xid8, position = $5::bigint, updated_at = now()
            WHERE partition = $1 AND tx = $2::text::xid8 AND position = $3::bigint
            RETURNING 1),
        created AS (
            INSERT INTO journal_checkpoint (partition, tx, position)
            SELECT $1, $4::text::xid8, $5::bigint
            WHERE $2::text::xid8 = '0'::xid8 AND $3::bigint = 0
            ON CONFLICT (partition) DO NOTHING
            RETURNING 1)
        SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM created)
        """;

    /// <summary>$1 partition, $2 position, $3 stream, $4 version, $5 event type, $6 reason, $7 attempts.</summary>
    public const string DeadLetter = """
        INSERT INTO journal_dead_letter (partition, position, stream_id, version, event_type, reason, attempts)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (partition, position) DO NOTHING
        """;

    /// <summary>$1 partition, $2 and $3 the checkpoint, $4 the count cap.</summary>
    public const string Backlog = """
        SELECT
            (SELECT count(*) FROM (
                SELECT 1 FROM event_journal
                WHERE partition = $1 AND (tx, position) > ($2::text::xid8, $3::bigint)
                LIMIT $4) AS unread),
            (SELECT recorded_at FROM event_journal
                WHERE partition = $1 AND (tx, position) > ($2::text::xid8, $3::bigint)
                ORDER BY tx, position LIMIT 1),
            (SELECT count(*) FROM journal_dead_letter WHERE partition = $1),
            (SELECT updated_at FROM journal_checkpoint WHERE partition = $1)
        """;

    /// <summary>$1 the configured partition count: records it on first use and answers the stored count.</summary>
    public const string ClaimPartitioning = """
        WITH claimed AS (
            INSERT INTO journal_partitioning (partitions) VALUES ($1)
            ON CONFLICT (singleton) DO NOTHING
            RETURNING partitions)
        SELECT partitions FROM claimed
        UNION ALL
        SELECT partitions FROM journal_partitioning
        LIMIT 1
        """;
}
