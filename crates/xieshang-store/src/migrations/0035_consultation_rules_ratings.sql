-- Issue 28: each body's own rules of time for its consultations (working
-- days of notice, materials ahead and minutes after), per kind or for all its
-- kinds (kind_code ''), overriding the built-in defaults; and participants'
-- ratings of a closed consultation, one per participant account.
CREATE TABLE consultation_rules (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind_code TEXT NOT NULL DEFAULT '',
    notice_days BIGINT NOT NULL,
    materials_days BIGINT NOT NULL,
    minutes_days BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, kind_code)
);

CREATE TABLE consultation_ratings (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    rating TEXT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (consultation_id, user_id)
);
