-- The item engine's tables, keyed by (kind, item_id) for every kind of item
-- (decision 0022): assignment, followers and feedback were concern-only
-- tables. Every existing row is copied across as kind 'concern' with its id,
-- then the old tables are dropped, so that no code can write them any more.
-- The public timeline stays folded into the item's own row (decision 0008;
-- the engine writes it through `store::item`, for any kind's table).

-- Units an item is assigned to, per round: one lead, any co-units. A split
-- assignment gives each unit its own part (`part`, NULL: the whole item). A
-- unit may object to its assignment until `objection_until` (the end of the
-- N-th working day after it); an objection is recorded with its time and
-- reason.
CREATE TABLE item_assignments (
    id {{id}},
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    lead BIGINT NOT NULL,
    round BIGINT NOT NULL,
    active BIGINT NOT NULL,
    assigned_at BIGINT NOT NULL,
    ended_at BIGINT,
    part TEXT,
    objection_until BIGINT,
    objected_at BIGINT,
    objection TEXT
);
INSERT INTO item_assignments (id, kind, item_id, org_id, lead, round, active, assigned_at, ended_at)
SELECT id, 'concern', concern_id, org_id, lead, round, active, assigned_at, ended_at
  FROM concern_assignments;
CREATE INDEX item_assignments_org ON item_assignments(org_id, active);
CREATE INDEX item_assignments_item ON item_assignments(kind, item_id);

-- Users following an item (the members paired with a concern's grid).
CREATE TABLE item_followers (
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, item_id, user_id)
);
INSERT INTO item_followers (kind, item_id, user_id, reason, created_at)
SELECT 'concern', concern_id, user_id, reason, created_at FROM concern_followers;
CREATE INDEX item_followers_user ON item_followers(user_id);

-- Evaluations of an item's handling (a resident's rating of a concern).
CREATE TABLE item_feedback (
    id {{id}},
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT,
    thanks TEXT,
    at BIGINT NOT NULL
);
INSERT INTO item_feedback (id, kind, item_id, rating, comment, thanks, at)
SELECT id, 'concern', concern_id, rating, comment, thanks, at FROM concern_feedback;
CREATE INDEX item_feedback_item ON item_feedback(kind, item_id);

-- Deadline jobs are keyed by kind and item: {"concern_id": n, …} becomes
-- {"kind": "concern", "item_id": n, …} (the key is unique in the payload).
UPDATE jobs SET payload = REPLACE(payload, '"concern_id":', '"kind":"concern","item_id":')
 WHERE kind = 'deadline';

-- The identity columns go on from the copied ids.
{{postgres}}
SELECT setval(pg_get_serial_sequence('item_assignments', 'id'), COALESCE((SELECT MAX(id) FROM item_assignments), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('item_feedback', 'id'), COALESCE((SELECT MAX(id) FROM item_feedback), 0) + 1, false);
{{/postgres}}

-- The dashboard's counts (migration 18) follow the ratings to item_feedback:
-- the triggers that read concern_feedback are made again over the concerns'
-- rows of item_feedback (as tally.rs generates them; its test compares).
{{sqlite}}
DROP TRIGGER concern_tally_update;
DROP TRIGGER concern_tally_feedback_insert;
DROP TRIGGER concern_tally_feedback_update;
DROP TRIGGER concern_tally_feedback_delete;
{{/sqlite}}
{{postgres}}
DROP TRIGGER concern_tally_update ON concerns;
DROP FUNCTION concern_tally_update();
DROP TRIGGER concern_tally_feedback_insert ON concern_feedback;
DROP TRIGGER concern_tally_feedback_update ON concern_feedback;
DROP TRIGGER concern_tally_feedback_delete ON concern_feedback;
DROP FUNCTION concern_tally_feedback_insert();
DROP FUNCTION concern_tally_feedback_update();
DROP FUNCTION concern_tally_feedback_delete();
{{/postgres}}

DROP TABLE concern_assignments;
DROP TABLE concern_followers;
DROP TABLE concern_feedback;

{{sqlite}}
CREATE TRIGGER concern_tally_update
             AFTER UPDATE OF org_id, branch_id, state, category, resolved_at, created_at ON concerns
             WHEN OLD.org_id IS NOT NEW.org_id OR OLD.branch_id IS NOT NEW.branch_id
               OR OLD.state <> NEW.state OR OLD.category <> NEW.category OR CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT) IS NOT CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT)
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT OLD.org_id, 'state', OLD.state, -1
                   WHERE OLD.org_id IS NOT NULL AND (OLD.org_id IS NOT NEW.org_id OR OLD.state <> NEW.state)
                 UNION ALL SELECT NEW.org_id, 'state', NEW.state, 1
                   WHERE NEW.org_id IS NOT NULL AND (OLD.org_id IS NOT NEW.org_id OR OLD.state <> NEW.state)
                 UNION ALL SELECT OLD.org_id, 'category', OLD.category, -1
                   WHERE OLD.org_id IS NOT NULL AND (OLD.org_id IS NOT NEW.org_id OR OLD.category <> NEW.category)
                 UNION ALL SELECT NEW.org_id, 'category', NEW.category, 1
                   WHERE NEW.org_id IS NOT NULL AND (OLD.org_id IS NOT NEW.org_id OR OLD.category <> NEW.category)
                 UNION ALL SELECT OLD.org_id, 'resolved', CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT), -1
                   WHERE OLD.org_id IS NOT NULL AND OLD.resolved_at IS NOT NULL AND (OLD.org_id IS NOT NEW.org_id OR CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT) IS NOT CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT NEW.org_id, 'resolved', CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT), 1
                   WHERE NEW.org_id IS NOT NULL AND NEW.resolved_at IS NOT NULL AND (OLD.org_id IS NOT NEW.org_id OR CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT) IS NOT CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT OLD.org_id, 'rating', f.rating, -1 FROM item_feedback f
                   WHERE f.kind = 'concern' AND f.item_id = OLD.id AND OLD.org_id IS NOT NULL AND OLD.org_id IS NOT NEW.org_id
                 UNION ALL SELECT NEW.org_id, 'rating', f.rating, 1 FROM item_feedback f
                   WHERE f.kind = 'concern' AND f.item_id = NEW.id AND NEW.org_id IS NOT NULL AND OLD.org_id IS NOT NEW.org_id
UNION ALL SELECT OLD.branch_id, 'b.state', OLD.state, -1
                   WHERE OLD.branch_id IS NOT NULL AND (OLD.branch_id IS NOT NEW.branch_id OR OLD.state <> NEW.state)
                 UNION ALL SELECT NEW.branch_id, 'b.state', NEW.state, 1
                   WHERE NEW.branch_id IS NOT NULL AND (OLD.branch_id IS NOT NEW.branch_id OR OLD.state <> NEW.state)
                 UNION ALL SELECT OLD.branch_id, 'b.category', OLD.category, -1
                   WHERE OLD.branch_id IS NOT NULL AND (OLD.branch_id IS NOT NEW.branch_id OR OLD.category <> NEW.category)
                 UNION ALL SELECT NEW.branch_id, 'b.category', NEW.category, 1
                   WHERE NEW.branch_id IS NOT NULL AND (OLD.branch_id IS NOT NEW.branch_id OR OLD.category <> NEW.category)
                 UNION ALL SELECT OLD.branch_id, 'b.resolved', CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT), -1
                   WHERE OLD.branch_id IS NOT NULL AND OLD.resolved_at IS NOT NULL AND (OLD.branch_id IS NOT NEW.branch_id OR CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT) IS NOT CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT NEW.branch_id, 'b.resolved', CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT), 1
                   WHERE NEW.branch_id IS NOT NULL AND NEW.resolved_at IS NOT NULL AND (OLD.branch_id IS NOT NEW.branch_id OR CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT) IS NOT CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT OLD.branch_id, 'b.rating', f.rating, -1 FROM item_feedback f
                   WHERE f.kind = 'concern' AND f.item_id = OLD.id AND OLD.branch_id IS NOT NULL AND OLD.branch_id IS NOT NEW.branch_id
                 UNION ALL SELECT NEW.branch_id, 'b.rating', f.rating, 1 FROM item_feedback f
                   WHERE f.kind = 'concern' AND f.item_id = NEW.id AND NEW.branch_id IS NOT NULL AND OLD.branch_id IS NOT NEW.branch_id{{semicolon}}
             END;
CREATE TRIGGER concern_tally_feedback_insert AFTER INSERT ON item_feedback BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', NEW.rating, 1 FROM concerns c
                     WHERE NEW.kind = 'concern' AND NEW.item_id = c.id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', NEW.rating, 1 FROM concerns c
                     WHERE NEW.kind = 'concern' AND NEW.item_id = c.id AND c.branch_id IS NOT NULL{{semicolon}}
             END;
CREATE TRIGGER concern_tally_feedback_update
             AFTER UPDATE OF rating, kind, item_id ON item_feedback BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', OLD.rating, -1 FROM concerns c
                     WHERE OLD.kind = 'concern' AND OLD.item_id = c.id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', OLD.rating, -1 FROM concerns c
                     WHERE OLD.kind = 'concern' AND OLD.item_id = c.id AND c.branch_id IS NOT NULL UNION ALL SELECT c.org_id, 'rating', NEW.rating, 1 FROM concerns c
                     WHERE NEW.kind = 'concern' AND NEW.item_id = c.id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', NEW.rating, 1 FROM concerns c
                     WHERE NEW.kind = 'concern' AND NEW.item_id = c.id AND c.branch_id IS NOT NULL{{semicolon}}
             END;
CREATE TRIGGER concern_tally_feedback_delete AFTER DELETE ON item_feedback BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', OLD.rating, -1 FROM concerns c
                     WHERE OLD.kind = 'concern' AND OLD.item_id = c.id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', OLD.rating, -1 FROM concerns c
                     WHERE OLD.kind = 'concern' AND OLD.item_id = c.id AND c.branch_id IS NOT NULL{{semicolon}}
             END;
{{/sqlite}}
{{postgres}}
CREATE FUNCTION concern_tally_update() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT o.org_id, 'state', o.state, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.org_id IS NOT NULL AND (o.org_id IS DISTINCT FROM n.org_id OR o.state <> n.state)
                 UNION ALL SELECT n.org_id, 'state', n.state, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.org_id IS NOT NULL AND (o.org_id IS DISTINCT FROM n.org_id OR o.state <> n.state)
                 UNION ALL SELECT o.org_id, 'category', o.category, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.org_id IS NOT NULL AND (o.org_id IS DISTINCT FROM n.org_id OR o.category <> n.category)
                 UNION ALL SELECT n.org_id, 'category', n.category, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.org_id IS NOT NULL AND (o.org_id IS DISTINCT FROM n.org_id OR o.category <> n.category)
                 UNION ALL SELECT o.org_id, 'resolved', CAST((o.resolved_at - o.created_at + 4320000) / 8640000 AS TEXT), -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.org_id IS NOT NULL AND o.resolved_at IS NOT NULL AND (o.org_id IS DISTINCT FROM n.org_id OR CAST((o.resolved_at - o.created_at + 4320000) / 8640000 AS TEXT) IS DISTINCT FROM CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT n.org_id, 'resolved', CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT), 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.org_id IS NOT NULL AND n.resolved_at IS NOT NULL AND (o.org_id IS DISTINCT FROM n.org_id OR CAST((o.resolved_at - o.created_at + 4320000) / 8640000 AS TEXT) IS DISTINCT FROM CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT o.org_id, 'rating', f.rating, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN item_feedback f ON f.kind = 'concern' AND f.item_id = o.id WHERE o.org_id IS NOT NULL AND o.org_id IS DISTINCT FROM n.org_id
                 UNION ALL SELECT n.org_id, 'rating', f.rating, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN item_feedback f ON f.kind = 'concern' AND f.item_id = n.id WHERE n.org_id IS NOT NULL AND o.org_id IS DISTINCT FROM n.org_id
UNION ALL SELECT o.branch_id, 'b.state', o.state, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.branch_id IS NOT NULL AND (o.branch_id IS DISTINCT FROM n.branch_id OR o.state <> n.state)
                 UNION ALL SELECT n.branch_id, 'b.state', n.state, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.branch_id IS NOT NULL AND (o.branch_id IS DISTINCT FROM n.branch_id OR o.state <> n.state)
                 UNION ALL SELECT o.branch_id, 'b.category', o.category, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.branch_id IS NOT NULL AND (o.branch_id IS DISTINCT FROM n.branch_id OR o.category <> n.category)
                 UNION ALL SELECT n.branch_id, 'b.category', n.category, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.branch_id IS NOT NULL AND (o.branch_id IS DISTINCT FROM n.branch_id OR o.category <> n.category)
                 UNION ALL SELECT o.branch_id, 'b.resolved', CAST((o.resolved_at - o.created_at + 4320000) / 8640000 AS TEXT), -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.branch_id IS NOT NULL AND o.resolved_at IS NOT NULL AND (o.branch_id IS DISTINCT FROM n.branch_id OR CAST((o.resolved_at - o.created_at + 4320000) / 8640000 AS TEXT) IS DISTINCT FROM CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT n.branch_id, 'b.resolved', CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT), 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.branch_id IS NOT NULL AND n.resolved_at IS NOT NULL AND (o.branch_id IS DISTINCT FROM n.branch_id OR CAST((o.resolved_at - o.created_at + 4320000) / 8640000 AS TEXT) IS DISTINCT FROM CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT))
                 UNION ALL SELECT o.branch_id, 'b.rating', f.rating, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN item_feedback f ON f.kind = 'concern' AND f.item_id = o.id WHERE o.branch_id IS NOT NULL AND o.branch_id IS DISTINCT FROM n.branch_id
                 UNION ALL SELECT n.branch_id, 'b.rating', f.rating, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN item_feedback f ON f.kind = 'concern' AND f.item_id = n.id WHERE n.branch_id IS NOT NULL AND o.branch_id IS DISTINCT FROM n.branch_id{{semicolon}}
             RETURN NULL{{semicolon}}
             END
             $body$;
CREATE TRIGGER concern_tally_update AFTER UPDATE ON concerns REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_update();
CREATE FUNCTION concern_tally_feedback_insert() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating{{semicolon}}
             RETURN NULL{{semicolon}}
             END
             $body$;
CREATE TRIGGER concern_tally_feedback_insert AFTER INSERT ON item_feedback REFERENCING NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_feedback_insert();
CREATE FUNCTION concern_tally_feedback_update() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating UNION ALL SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating{{semicolon}}
             RETURN NULL{{semicolon}}
             END
             $body$;
CREATE TRIGGER concern_tally_feedback_update AFTER UPDATE ON item_feedback REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_feedback_update();
CREATE FUNCTION concern_tally_feedback_delete() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating{{semicolon}}
             RETURN NULL{{semicolon}}
             END
             $body$;
CREATE TRIGGER concern_tally_feedback_delete AFTER DELETE ON item_feedback REFERENCING OLD TABLE AS old_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_feedback_delete();
{{/postgres}}
