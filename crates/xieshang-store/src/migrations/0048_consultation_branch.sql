-- Issue 28 point 12 (task "perf", decision record 0029): each consultation
-- carries its branch, as concerns do (migration 17): the unit one level
-- below the root that its unit lies under (OrgPath::branch; the root for a
-- consultation of the root). The outcome list of a district walked the
-- consultations' starts_at index back through the whole city and kept about
-- one in thirteen (a look at each one's unit path); with the branch it is
-- one range of the index below, in meeting order. Writers set the column
-- (consult::create, datagen) and org::move_to rewrites it for a moved
-- subtree (item::set_branch_within). Filled here for existing rows, then
-- indexed.

ALTER TABLE consultations ADD COLUMN branch_id BIGINT;

UPDATE consultations SET branch_id = org_id
 WHERE org_id IN (SELECT id FROM orgs WHERE parent_id IS NULL);

UPDATE consultations SET branch_id = (
       SELECT b.id FROM orgs o JOIN orgs b ON o.path LIKE (b.path || '%')
        WHERE o.id = consultations.org_id
          AND b.parent_id IN (SELECT id FROM orgs WHERE parent_id IS NULL))
 WHERE org_id IN (SELECT id FROM orgs WHERE parent_id IS NOT NULL);

CREATE INDEX consultations_branch ON consultations(branch_id, starts_at);
