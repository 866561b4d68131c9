-- Part of migration 18 (concern_tallies), run after 0018_concern_tallies.sql
-- in the same transaction: the triggers (per database, from
-- 0018_tally_triggers.sqlite.sql or .postgres.sql), then the counts of the
-- concerns already there. Until migrations became SQL only (decision 0021)
-- this was Rust (tally::install); the statements are the ones it ran.

{{tally_triggers}};

INSERT INTO concern_tallies (org_id, dim, k, n) SELECT org_id AS org_id, 'state' AS dim, state AS k, COUNT(*) AS n FROM concerns
                   WHERE org_id IS NOT NULL GROUP BY org_id, state
                 UNION ALL SELECT org_id, 'category', category, COUNT(*) FROM concerns
                   WHERE org_id IS NOT NULL GROUP BY org_id, category
                 UNION ALL SELECT org_id, 'resolved', CAST((c.resolved_at - c.created_at + 4320000) / 8640000 AS TEXT), COUNT(*) FROM concerns c
                   WHERE org_id IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3
                 UNION ALL SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM concern_feedback f
                   JOIN concerns c ON c.id = f.concern_id WHERE c.org_id IS NOT NULL
                   GROUP BY c.org_id, f.rating
UNION ALL SELECT branch_id AS org_id, 'b.state' AS dim, state AS k, COUNT(*) AS n FROM concerns
                   WHERE branch_id IS NOT NULL GROUP BY branch_id, state
                 UNION ALL SELECT branch_id, 'b.category', category, COUNT(*) FROM concerns
                   WHERE branch_id IS NOT NULL GROUP BY branch_id, category
                 UNION ALL SELECT branch_id, 'b.resolved', CAST((c.resolved_at - c.created_at + 4320000) / 8640000 AS TEXT), COUNT(*) FROM concerns c
                   WHERE branch_id IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3
                 UNION ALL SELECT c.branch_id, 'b.rating', f.rating, COUNT(*) FROM concern_feedback f
                   JOIN concerns c ON c.id = f.concern_id WHERE c.branch_id IS NOT NULL
                   GROUP BY c.branch_id, f.rating;
