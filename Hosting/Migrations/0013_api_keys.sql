-- API keys: partners authenticate with a bearer token whose SHA-256 hash is kept here, never the token itself.
-- A key is revoked, not deleted, so the audit log's key ids always name a key.
CREATE TABLE api_key
(
    key_id      text        PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
    partner     text        NOT NULL CHECK (length(partner) BETWEEN 1 AND 128),
    roles       text[]      NOT NULL CHECK (cardinality(roles) > 0),
    token_hash  bytea       NOT NULL CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz NULL,
    description text        NULL CHECK (length(description) <= 500)
);

-- Lists page newest first, across partners or within one.
CREATE INDEX api_key_newest ON api_key (created_at DESC, key_id DESC);
CREATE INDEX api_key_partner_newest ON api_key (partner, created_at DESC, key_id DESC);
