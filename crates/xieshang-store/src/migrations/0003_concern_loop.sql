-- The rest of the concern loop: who recorded a concern, its reporters (personal
-- data encrypted), assignments to departments, paired members, feedback, typed
-- links to later features, photos, notifications, deadlines.

ALTER TABLE concerns ADD COLUMN recorded_by BIGINT REFERENCES users(id);
ALTER TABLE concerns ADD COLUMN merged_into BIGINT REFERENCES concerns(id);
ALTER TABLE concerns ADD COLUMN assigned_at BIGINT;
ALTER TABLE concerns ADD COLUMN deadline_at BIGINT;
ALTER TABLE concerns ADD COLUMN resolved_at BIGINT;
ALTER TABLE concerns ADD COLUMN closed_at BIGINT;
ALTER TABLE concerns ADD COLUMN result_note TEXT;
ALTER TABLE concerns ADD COLUMN escalation_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE concerns ADD COLUMN assignment_round BIGINT NOT NULL DEFAULT 0;
CREATE INDEX concerns_state_deadline ON concerns(state, deadline_at);

ALTER TABLE users ADD COLUMN email TEXT;

-- Residents who raised a concern. Name and phone are sealed with the personal-data
-- key, the masked forms are what pages show. A merge copies the rows to the
-- surviving concern, keeping where they came from.
CREATE TABLE concern_reporters (
    id {{id}},
    concern_id BIGINT NOT NULL REFERENCES concerns(id),
    name_sealed TEXT,
    phone_sealed TEXT,
    name_masked TEXT,
    phone_masked TEXT,
    from_concern_id BIGINT REFERENCES concerns(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX concern_reporters_concern ON concern_reporters(concern_id);

-- Departments a concern is assigned to, one lead per round.
CREATE TABLE concern_assignments (
    id {{id}},
    concern_id BIGINT NOT NULL REFERENCES concerns(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    lead BIGINT NOT NULL,
    round BIGINT NOT NULL,
    active BIGINT NOT NULL,
    assigned_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX concern_assignments_org ON concern_assignments(org_id, active);
CREATE INDEX concern_assignments_concern ON concern_assignments(concern_id);

-- Members following a concern (the members paired with its grid).
CREATE TABLE concern_followers (
    concern_id BIGINT NOT NULL REFERENCES concerns(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (concern_id, user_id)
);
CREATE INDEX concern_followers_user ON concern_followers(user_id);

-- Grid pairing: each grid's paired members.
CREATE TABLE grid_pairs (
    grid_org_id BIGINT NOT NULL REFERENCES orgs(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (grid_org_id, user_id)
);
CREATE INDEX grid_pairs_user ON grid_pairs(user_id);

-- Residents' feedback after resolution.
CREATE TABLE concern_feedback (
    id {{id}},
    concern_id BIGINT NOT NULL REFERENCES concerns(id),
    rating TEXT NOT NULL,
    comment TEXT,
    thanks TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX concern_feedback_concern ON concern_feedback(concern_id);

-- Typed links from an item to a later one (a concern marked for conversion to a
-- proposal lead or an opinion report). to_id stays empty until that feature picks
-- the link up.
CREATE TABLE item_links (
    id {{id}},
    from_kind TEXT NOT NULL,
    from_id BIGINT NOT NULL,
    link TEXT NOT NULL,
    to_kind TEXT NOT NULL,
    to_id BIGINT,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    picked_up_at BIGINT
);
CREATE INDEX item_links_pending ON item_links(to_kind, picked_up_at);

-- Photos, re-encoded on intake (no EXIF or GPS survives).
CREATE TABLE attachments (
    id {{id}},
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    public_token TEXT NOT NULL UNIQUE,
    stage TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes {{blob}} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_item ON attachments(kind, item_id);

-- In-app notifications.
CREATE TABLE notifications (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);
