-- Issue 26, members' duty. A member may log a reception on a day without a
-- shift of theirs: such a reception has no shift (shift_id NULL) and keeps the
-- unit it was received in (org_id; for one during a shift it is the studio's).
-- And each body chooses how an unfinished year is judged: pro rata to the part
-- gone by, or not before the year's end (scoring_settings; no row: pro rata).
{{sqlite}}
CREATE TABLE receptions_new (
    id {{id}},
    shift_id BIGINT REFERENCES duty_shifts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    visitor_name_sealed TEXT,
    visitor_phone_sealed TEXT,
    visitor_name_masked TEXT,
    visitor_phone_masked TEXT,
    matter TEXT NOT NULL,
    action_taken TEXT NOT NULL,
    concern_id BIGINT REFERENCES concerns(id),
    created_at BIGINT NOT NULL,
    org_id BIGINT REFERENCES orgs(id)
);
INSERT INTO receptions_new (id, shift_id, user_id, visitor_name_sealed, visitor_phone_sealed,
    visitor_name_masked, visitor_phone_masked, matter, action_taken, concern_id, created_at)
  SELECT id, shift_id, user_id, visitor_name_sealed, visitor_phone_sealed,
    visitor_name_masked, visitor_phone_masked, matter, action_taken, concern_id, created_at
  FROM receptions;
DROP TABLE receptions;
ALTER TABLE receptions_new RENAME TO receptions;
CREATE INDEX receptions_shift ON receptions(shift_id);
CREATE INDEX receptions_user ON receptions(user_id, created_at);
{{/sqlite}}
{{postgres}}
ALTER TABLE receptions ALTER COLUMN shift_id DROP NOT NULL;
ALTER TABLE receptions ADD COLUMN org_id BIGINT REFERENCES orgs(id);
{{/postgres}}

CREATE TABLE scoring_settings (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    judge TEXT NOT NULL
);
