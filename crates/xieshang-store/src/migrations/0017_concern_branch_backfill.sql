-- Part of migration 17 (concern_branch), run after 0017_concern_branch.sql in
-- the same transaction: every existing concern's branch (OrgPath::branch: the
-- unit one level below the root that the concern's unit lies under, or the
-- root for a concern at the root), then the index that reads a branch's queue
-- (created after the fill, which is faster than keeping it up to date row by
-- row). Until migrations became SQL only (decision 0021) this was Rust
-- (migrate::fill_branches); the result is the same (tests/it/migrations.rs).

UPDATE concerns SET branch_id = org_id
 WHERE org_id IN (SELECT id FROM orgs WHERE parent_id IS NULL);

UPDATE concerns SET branch_id = (
       SELECT b.id FROM orgs o JOIN orgs b ON o.path LIKE (b.path || '%')
        WHERE o.id = concerns.org_id
          AND b.parent_id IN (SELECT id FROM orgs WHERE parent_id IS NULL))
 WHERE org_id IN (SELECT id FROM orgs WHERE parent_id IS NOT NULL);

CREATE INDEX concerns_branch_queue ON concerns(branch_id, state, deadline_at, created_at, id);
