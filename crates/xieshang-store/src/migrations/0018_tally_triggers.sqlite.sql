-- Part of migration 18 (concern_tallies), SQLite: the triggers that log every
-- change of a concern or of its feedback as differences (tally.rs explains
-- them). Expanded into 0018_concern_tallies_backfill.sql by the dialect's
-- {{tally_triggers}} token. Written out from the Rust that created them
-- until migrations became SQL only (decision 0021): frozen, as released.
-- A trigger's statement ends at the ';' after its END.

CREATE TRIGGER concern_tally_insert AFTER INSERT ON concerns BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT NEW.org_id, 'state', NEW.state, 1 WHERE NEW.org_id IS NOT NULL
                     UNION ALL SELECT NEW.org_id, 'category', NEW.category, 1
                       WHERE NEW.org_id IS NOT NULL
                     UNION ALL SELECT NEW.org_id, 'resolved', CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT), 1
                       WHERE NEW.org_id IS NOT NULL AND NEW.resolved_at IS NOT NULL
UNION ALL SELECT NEW.branch_id, 'b.state', NEW.state, 1 WHERE NEW.branch_id IS NOT NULL
                     UNION ALL SELECT NEW.branch_id, 'b.category', NEW.category, 1
                       WHERE NEW.branch_id IS NOT NULL
                     UNION ALL SELECT NEW.branch_id, 'b.resolved', CAST((NEW.resolved_at - NEW.created_at + 4320000) / 8640000 AS TEXT), 1
                       WHERE NEW.branch_id IS NOT NULL AND NEW.resolved_at IS NOT NULL;
             END;

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
                 UNION ALL SELECT OLD.org_id, 'rating', f.rating, -1 FROM concern_feedback f
                   WHERE f.concern_id = OLD.id AND OLD.org_id IS NOT NULL AND OLD.org_id IS NOT NEW.org_id
                 UNION ALL SELECT NEW.org_id, 'rating', f.rating, 1 FROM concern_feedback f
                   WHERE f.concern_id = NEW.id AND NEW.org_id IS NOT NULL AND OLD.org_id IS NOT NEW.org_id
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
                 UNION ALL SELECT OLD.branch_id, 'b.rating', f.rating, -1 FROM concern_feedback f
                   WHERE f.concern_id = OLD.id AND OLD.branch_id IS NOT NULL AND OLD.branch_id IS NOT NEW.branch_id
                 UNION ALL SELECT NEW.branch_id, 'b.rating', f.rating, 1 FROM concern_feedback f
                   WHERE f.concern_id = NEW.id AND NEW.branch_id IS NOT NULL AND OLD.branch_id IS NOT NEW.branch_id;
             END;

CREATE TRIGGER concern_tally_delete AFTER DELETE ON concerns BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT OLD.org_id, 'state', OLD.state, -1 WHERE OLD.org_id IS NOT NULL
                     UNION ALL SELECT OLD.org_id, 'category', OLD.category, -1
                       WHERE OLD.org_id IS NOT NULL
                     UNION ALL SELECT OLD.org_id, 'resolved', CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT), -1
                       WHERE OLD.org_id IS NOT NULL AND OLD.resolved_at IS NOT NULL
UNION ALL SELECT OLD.branch_id, 'b.state', OLD.state, -1 WHERE OLD.branch_id IS NOT NULL
                     UNION ALL SELECT OLD.branch_id, 'b.category', OLD.category, -1
                       WHERE OLD.branch_id IS NOT NULL
                     UNION ALL SELECT OLD.branch_id, 'b.resolved', CAST((OLD.resolved_at - OLD.created_at + 4320000) / 8640000 AS TEXT), -1
                       WHERE OLD.branch_id IS NOT NULL AND OLD.resolved_at IS NOT NULL;
             END;

CREATE TRIGGER concern_tally_feedback_insert AFTER INSERT ON concern_feedback BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', NEW.rating, 1 FROM concerns c
                     WHERE c.id = NEW.concern_id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', NEW.rating, 1 FROM concerns c
                     WHERE c.id = NEW.concern_id AND c.branch_id IS NOT NULL;
             END;

CREATE TRIGGER concern_tally_feedback_update
             AFTER UPDATE OF rating, concern_id ON concern_feedback BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', OLD.rating, -1 FROM concerns c
                     WHERE c.id = OLD.concern_id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', OLD.rating, -1 FROM concerns c
                     WHERE c.id = OLD.concern_id AND c.branch_id IS NOT NULL UNION ALL SELECT c.org_id, 'rating', NEW.rating, 1 FROM concerns c
                     WHERE c.id = NEW.concern_id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', NEW.rating, 1 FROM concerns c
                     WHERE c.id = NEW.concern_id AND c.branch_id IS NOT NULL;
             END;

CREATE TRIGGER concern_tally_feedback_delete AFTER DELETE ON concern_feedback BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', OLD.rating, -1 FROM concerns c
                     WHERE c.id = OLD.concern_id AND c.org_id IS NOT NULL
UNION ALL SELECT c.branch_id, 'b.rating', OLD.rating, -1 FROM concerns c
                     WHERE c.id = OLD.concern_id AND c.branch_id IS NOT NULL;
             END;
