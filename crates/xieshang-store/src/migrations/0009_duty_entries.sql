-- Manual entries in a member's duty record (履职档案), added by staff with
-- evidence, for what the system cannot see (a speech, an inspection). Everything
-- else in the record is read from the activity itself.

CREATE TABLE duty_entries (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    year BIGINT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX duty_entries_user_year ON duty_entries(user_id, year);
