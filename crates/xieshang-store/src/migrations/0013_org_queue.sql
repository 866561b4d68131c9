-- The staff queue sorts a scope's concerns in a state from the index alone (by
-- unit and state: deadline, arrival, and the row id SQLite keeps in every index)
-- and then reads only the page's rows. It replaces the (org_id, state) index,
-- which is its prefix.

CREATE INDEX concerns_org_queue ON concerns(org_id, state, deadline_at, created_at, id);
DROP INDEX concerns_org_state;
