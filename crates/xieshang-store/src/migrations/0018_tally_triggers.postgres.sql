-- Part of migration 18 (concern_tallies), PostgreSQL: the functions and the
-- statement-level triggers that log every change of a concern or of its
-- feedback as differences, summed over the statement's transition tables
-- (tally.rs explains them), and the log's autovacuum kept from truncating
-- (see tally::compact). Expanded into 0018_concern_tallies_backfill.sql by the
-- dialect's {{tally_triggers}} token. Written out from the Rust that created
-- them until migrations became SQL only (decision 0021): frozen, as released.
-- A function's body is quoted between $body$ marks.

CREATE FUNCTION concern_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT org_id, 'state', state, 1 * COUNT(*) FROM new_rows
                       WHERE org_id IS NOT NULL GROUP BY org_id, state
                     UNION ALL SELECT org_id, 'category', category, 1 * COUNT(*) FROM new_rows
                       WHERE org_id IS NOT NULL GROUP BY org_id, category
                     UNION ALL SELECT org_id, 'resolved', CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT), 1 * COUNT(*) FROM new_rows n
                       WHERE org_id IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3
UNION ALL SELECT branch_id, 'b.state', state, 1 * COUNT(*) FROM new_rows
                       WHERE branch_id IS NOT NULL GROUP BY branch_id, state
                     UNION ALL SELECT branch_id, 'b.category', category, 1 * COUNT(*) FROM new_rows
                       WHERE branch_id IS NOT NULL GROUP BY branch_id, category
                     UNION ALL SELECT branch_id, 'b.resolved', CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT), 1 * COUNT(*) FROM new_rows n
                       WHERE branch_id IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3;
             RETURN NULL;
             END
             $body$;

CREATE TRIGGER concern_tally_insert AFTER INSERT ON concerns REFERENCING NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_insert();

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
                   JOIN concern_feedback f ON f.concern_id = o.id WHERE o.org_id IS NOT NULL AND o.org_id IS DISTINCT FROM n.org_id
                 UNION ALL SELECT n.org_id, 'rating', f.rating, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN concern_feedback f ON f.concern_id = n.id WHERE n.org_id IS NOT NULL AND o.org_id IS DISTINCT FROM n.org_id
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
                   JOIN concern_feedback f ON f.concern_id = o.id WHERE o.branch_id IS NOT NULL AND o.branch_id IS DISTINCT FROM n.branch_id
                 UNION ALL SELECT n.branch_id, 'b.rating', f.rating, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN concern_feedback f ON f.concern_id = n.id WHERE n.branch_id IS NOT NULL AND o.branch_id IS DISTINCT FROM n.branch_id;
             RETURN NULL;
             END
             $body$;

CREATE TRIGGER concern_tally_update AFTER UPDATE ON concerns REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_update();

CREATE FUNCTION concern_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT org_id, 'state', state, -1 * COUNT(*) FROM old_rows
                       WHERE org_id IS NOT NULL GROUP BY org_id, state
                     UNION ALL SELECT org_id, 'category', category, -1 * COUNT(*) FROM old_rows
                       WHERE org_id IS NOT NULL GROUP BY org_id, category
                     UNION ALL SELECT org_id, 'resolved', CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT), -1 * COUNT(*) FROM old_rows n
                       WHERE org_id IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3
UNION ALL SELECT branch_id, 'b.state', state, -1 * COUNT(*) FROM old_rows
                       WHERE branch_id IS NOT NULL GROUP BY branch_id, state
                     UNION ALL SELECT branch_id, 'b.category', category, -1 * COUNT(*) FROM old_rows
                       WHERE branch_id IS NOT NULL GROUP BY branch_id, category
                     UNION ALL SELECT branch_id, 'b.resolved', CAST((n.resolved_at - n.created_at + 4320000) / 8640000 AS TEXT), -1 * COUNT(*) FROM old_rows n
                       WHERE branch_id IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3;
             RETURN NULL;
             END
             $body$;

CREATE TRIGGER concern_tally_delete AFTER DELETE ON concerns REFERENCING OLD TABLE AS old_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_delete();

CREATE FUNCTION concern_tally_feedback_insert() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating;
             RETURN NULL;
             END
             $body$;

CREATE TRIGGER concern_tally_feedback_insert AFTER INSERT ON concern_feedback REFERENCING NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_feedback_insert();

CREATE FUNCTION concern_tally_feedback_update() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating UNION ALL SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, COUNT(*) FROM new_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating;
             RETURN NULL;
             END
             $body$;

CREATE TRIGGER concern_tally_feedback_update AFTER UPDATE ON concern_feedback REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_feedback_update();

CREATE FUNCTION concern_tally_feedback_delete() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             INSERT INTO concern_tally_log (org_id, dim, k, d) SELECT c.org_id, 'rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.org_id IS NOT NULL
                     GROUP BY c.org_id, f.rating
UNION ALL SELECT c.branch_id, 'b.rating', f.rating, -COUNT(*) FROM old_rows f
                     JOIN concerns c ON c.id = f.concern_id WHERE c.branch_id IS NOT NULL
                     GROUP BY c.branch_id, f.rating;
             RETURN NULL;
             END
             $body$;

CREATE TRIGGER concern_tally_feedback_delete AFTER DELETE ON concern_feedback REFERENCING OLD TABLE AS old_rows
             FOR EACH STATEMENT EXECUTE FUNCTION concern_tally_feedback_delete();

ALTER TABLE concern_tally_log SET (vacuum_truncate = false);
