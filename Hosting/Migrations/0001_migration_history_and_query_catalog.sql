-- Foundation of the Shipment Grid schema. Every object is created unqualified: the migrator runs with
-- search_path set to the configured schema, so the same script serves any schema name.

-- One row per applied migration; the migrator refuses to run when a recorded checksum no longer
-- matches the script shipped in the binary, or when the database is ahead of the binary.
CREATE TABLE schema_migration
(
    version    integer     NOT NULL,
    name       text        NOT NULL,
    checksum   char(64)    NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schema_migration_pk PRIMARY KEY (version)
);

-- The Orleans ADO.NET providers read their SQL from a table literally named OrleansQuery with the
-- columns QueryKey and QueryText. The names are unquoted here so that the providers' unquoted
-- "SELECT QueryKey, QueryText FROM OrleansQuery" folds to the same lower-case identifiers.
-- Query texts never name a schema: they resolve through the connection's search_path.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleans_query_pk PRIMARY KEY (QueryKey)
);
