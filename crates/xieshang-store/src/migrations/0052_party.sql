-- Issue 31 point 4: the party organisation and dual organisational life
-- (双重组织生活, decision record 0048). A party unit is a unit of the
-- organisation tree of kind 'party'; `party_units` gives the ones of a
-- CPPCC body's party system their level (leading_group 区政协党组,
-- organ_group 机关党组, branch 机关党支部, cell 专委会党小组) and their body.
-- `members.party_member` is the roster's flag (中共党员); `party_members`
-- puts a person (an account) in their one CPPCC party unit, as a member or
-- its secretary. Organisational-life meetings are scheduled for a unit and
-- checked in like meetings (`party_attendance`); meetings a member reports
-- from their own work unit wait for the body's staff to confirm or return
-- them (evidence photos in `attachments`, kind 'party_report').

ALTER TABLE members ADD COLUMN party_member BIGINT NOT NULL DEFAULT 0;

CREATE TABLE party_units (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    body_id BIGINT NOT NULL REFERENCES orgs(id),
    level TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX party_units_body ON party_units(body_id, org_id);

CREATE TABLE party_members (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    unit_id BIGINT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    assigned_by BIGINT NOT NULL REFERENCES users(id),
    assigned_at BIGINT NOT NULL
);
CREATE INDEX party_members_unit ON party_members(unit_id, user_id);

CREATE TABLE party_meetings (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES orgs(id),
    body_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX party_meetings_unit ON party_meetings(unit_id, starts_at);
CREATE INDEX party_meetings_body ON party_meetings(body_id, starts_at);

-- `marked_by` is who recorded the attendance: the person themselves at
-- check-in, or the unit's secretary or the body's staff afterwards.
CREATE TABLE party_attendance (
    meeting_id BIGINT NOT NULL REFERENCES party_meetings(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    checked_in_at BIGINT NOT NULL,
    marked_by BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX party_attendance_user ON party_attendance(user_id, meeting_id);

-- state: submitted (waiting), confirmed, returned (with the staff's note).
CREATE TABLE party_reports (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    body_id BIGINT NOT NULL REFERENCES orgs(id),
    held_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    decision_note TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX party_reports_user ON party_reports(user_id, held_on);
CREATE INDEX party_reports_body ON party_reports(body_id, state, id);
