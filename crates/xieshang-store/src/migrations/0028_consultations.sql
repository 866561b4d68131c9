-- Issue 28: consultations (协商议事) as two item kinds on the engine
-- (decision record 0029): the consultation ('consultation') and each action
-- agreed at it ('consultation_action'), each with the columns the engine
-- writes (state, updated_at, the folded public trail of migrations 0016 and
-- 0027). Rooms and their bookings, participants, the agenda, each body's own
-- kinds and its annual plan are the feature's own tables.

-- A body's own kinds besides the defaults (core), and defaults it hides.
CREATE TABLE consultation_kinds (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    name TEXT,
    hidden BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE rooms (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    archived_at BIGINT,
    UNIQUE (org_id, name)
);

CREATE TABLE consultations (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind_code TEXT NOT NULL,
    topic TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    room_id BIGINT REFERENCES rooms(id),
    place TEXT,
    minutes TEXT,
    outcome_public BIGINT NOT NULL DEFAULT 0,
    rule_warning TEXT,
    warning_overridden_by BIGINT REFERENCES users(id),
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    held_at BIGINT,
    closed_at BIGINT,
    public_timeline TEXT NOT NULL DEFAULT '',
    public_units TEXT NOT NULL DEFAULT '',
    public_progress TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consultations_org ON consultations(org_id, starts_at);
CREATE INDEX consultations_starts ON consultations(starts_at);

-- A room's bookings never overlap: written only under the room's lock
-- (PostgreSQL: a transaction advisory lock per room; SQLite: its one writer).
CREATE TABLE room_bookings (
    id {{id}},
    room_id BIGINT NOT NULL REFERENCES rooms(id),
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX room_bookings_room ON room_bookings(room_id, starts_at);
CREATE INDEX room_bookings_consultation ON room_bookings(consultation_id);

-- Who is called: a member, liaison officer or a department's handler by
-- account (user_id), a department by unit (org_id, with its named
-- representative), or an expert or resident without an account (name and
-- contact sealed, shown masked).
CREATE TABLE consultation_participants (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    role TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    org_id BIGINT REFERENCES orgs(id),
    name_sealed TEXT,
    contact_sealed TEXT,
    name_masked TEXT,
    contact_masked TEXT,
    representative TEXT,
    answer TEXT NOT NULL DEFAULT 'pending',
    deputy TEXT,
    answered_at BIGINT,
    present BIGINT NOT NULL DEFAULT 0,
    checked_in_at BIGINT,
    spoke BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX consultation_participants_item ON consultation_participants(consultation_id);
CREATE INDEX consultation_participants_user ON consultation_participants(user_id);

CREATE TABLE consultation_agenda (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL
);
CREATE INDEX consultation_agenda_item ON consultation_agenda(consultation_id, position);

-- The agreed actions (协商成果): each an item owned by one unit (org_id).
CREATE TABLE consultation_actions (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    note TEXT,
    due_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    done_at BIGINT,
    public_timeline TEXT NOT NULL DEFAULT '',
    public_units TEXT NOT NULL DEFAULT '',
    public_progress TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consultation_actions_item ON consultation_actions(consultation_id);
CREATE INDEX consultation_actions_org ON consultation_actions(org_id, state);

-- A body's annual consultation plan: topics by quarter, each later linked to
-- the consultation that carried it out.
CREATE TABLE consultation_plan (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    quarter BIGINT NOT NULL,
    topic TEXT NOT NULL,
    consultation_id BIGINT REFERENCES consultations(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX consultation_plan_org ON consultation_plan(org_id, year);

-- What the tracking page shows of consultations called on a concern (date
-- and topic, no names), folded like progress notes (migration 0027).
ALTER TABLE concerns ADD COLUMN public_meetings TEXT NOT NULL DEFAULT '';
CREATE INDEX item_links_to ON item_links(to_kind, to_id);
CREATE INDEX item_links_from ON item_links(from_kind, from_id)
