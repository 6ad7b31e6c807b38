-- The audit log (issue 7, point 5): one row per write request to the API, who (key id, partner, roles), what (method,
-- route pattern, route values as subject), the outcome (status code), when and the trace id. Append-only: rows are
-- inserted and, by retention, deleted once older than the days kept; an UPDATE or a TRUNCATE is refused by a trigger.
-- Lists are newest first by (at, entry_id); each filter has an index in that order behind it, and the primary key
-- serves the unfiltered list and retention's delete by age. entry_id is a UUIDv7 in hex, compared byte by byte ("C").
CREATE TABLE audit_entry
(
    at       timestamptz      NOT NULL,
    entry_id text COLLATE "C" NOT NULL,
    key_id   text             NULL,
    partner  text             NULL,
    roles    text[]           NOT NULL,
    method   text             NOT NULL,
    route    text             NULL,
    subject  text             NULL,
    status   smallint         NOT NULL CHECK (status BETWEEN 100 AND 599),
    trace_id text             NULL,
    PRIMARY KEY (at, entry_id)
);

CREATE INDEX audit_entry_key ON audit_entry (key_id, at, entry_id);
CREATE INDEX audit_entry_partner ON audit_entry (partner, at, entry_id);
CREATE INDEX audit_entry_route ON audit_entry (route, at, entry_id);
CREATE INDEX audit_entry_outcome ON audit_entry ((status / 100), at, entry_id);

CREATE FUNCTION audit_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % is refused (rows leave only by retention''s DELETE)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
