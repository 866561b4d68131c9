-- Issue 33 point 5: the audit log, readable. `audit_checks` holds one row:
-- the result of the last verification of the hash chain (run daily on the
-- job queue: `next_at` is when the worker next queues one, taken by the
-- process that moves it on, so servers sharing a database queue one check a
-- day between them) and when it ran. The indexes serve the viewer's filters,
-- each read newest first by id.

CREATE TABLE audit_checks (
    id BIGINT PRIMARY KEY,
    next_at BIGINT NOT NULL,
    checked_at BIGINT,
    ok BIGINT,
    rows_checked BIGINT,
    broken_row BIGINT,
    reason TEXT
);
INSERT INTO audit_checks (id, next_at) VALUES (1, 0);

CREATE INDEX audit_log_actor ON audit_log(actor_name, id);
CREATE INDEX audit_log_kind ON audit_log(entity, id);
CREATE INDEX audit_log_org_id ON audit_log(org_id, id);
CREATE INDEX audit_log_at ON audit_log(at);
