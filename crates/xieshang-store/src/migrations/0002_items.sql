-- Items moved by the item engine: concerns first. Every transition writes the
-- item's state, one timeline event, one audit row and its outbox jobs together.

CREATE TABLE concerns (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    tracking_code TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX concerns_org_state ON concerns(org_id, state);

CREATE TABLE item_events (
    id {{id}},
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    party TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    note TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX item_events_item ON item_events(kind, item_id, id);

CREATE TABLE jobs (
    id {{id}},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    done_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(done_at, run_at);
