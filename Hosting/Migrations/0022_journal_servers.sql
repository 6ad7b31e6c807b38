-- The journal's partitions may live on several PostgreSQL servers (issue 9, point 5): partition p on journal server
-- p mod the server count, server 0 being the primary, which holds everything else. Every journal server is migrated
-- with the whole schema and uses only the journal's tables. Rows cannot move between servers, so each server records
-- the layout it belongs to (an id chosen by the first process to start, the server count) and its own place in it; a
-- process that places a server otherwise refuses to start.
CREATE TABLE journal_layout
(
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    layout    uuid    NOT NULL,
    servers   integer NOT NULL CHECK (servers > 0),
    server    integer NOT NULL CHECK (server >= 0 AND server < servers)
);

-- A journal that already holds rows has had them all on this one server: recorded so, a process configured with
-- extra servers is refused instead of looking for those rows elsewhere.
INSERT INTO journal_layout (layout, servers, server)
SELECT gen_random_uuid(), 1, 0
WHERE EXISTS (SELECT 1 FROM event_journal);
