-- The member roster of a body (a city or district CPPCC): each member's code,
-- name, term, sector, street group, sealed contact details, status and the
-- account they sign in with, if any. Every join and exit is kept as a change
-- row with its type and reason, so the history survives re-joins.

CREATE TABLE members (
    id {{id}},
    body_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    term TEXT NOT NULL,
    sector TEXT NOT NULL,
    street_group_id BIGINT REFERENCES orgs(id),
    phone_sealed TEXT,
    phone_masked TEXT,
    email_sealed TEXT,
    email_masked TEXT,
    user_id BIGINT REFERENCES users(id),
    status TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    exited_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (body_id, code)
);
CREATE INDEX members_body_status ON members(body_id, status);
CREATE INDEX members_street_group ON members(street_group_id);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE member_changes (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL,
    exit_type TEXT,
    reason TEXT NOT NULL,
    on_date TEXT NOT NULL,
    term TEXT,
    by_user_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX member_changes_member ON member_changes(member_id);
