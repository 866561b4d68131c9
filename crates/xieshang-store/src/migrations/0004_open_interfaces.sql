-- Open interfaces: API keys belonging to an organisation, with scopes (stored as
-- SHA-256, shown once), answers to a category's extra questions, and which key
-- filed a concern.

CREATE TABLE api_keys (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

ALTER TABLE concerns ADD COLUMN attributes TEXT;
ALTER TABLE concerns ADD COLUMN api_key_id BIGINT REFERENCES api_keys(id);
CREATE INDEX concerns_created ON concerns(created_at);
