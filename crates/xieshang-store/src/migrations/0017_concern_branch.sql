-- Each concern carries its branch: the unit one level below the root that its
-- own unit lies under (a district under the city; OrgPath::branch). A staff
-- queue over a whole district used to probe the queue index once per unit of
-- the district (about 240, 1-3 ms a page); with the branch it is one range of
-- the index below, already in queue order, for a district and for the city.
-- The migration fills the column for existing concerns and then creates the
-- index (migrate.rs, after these statements, in the same transaction).

ALTER TABLE concerns ADD COLUMN branch_id BIGINT
