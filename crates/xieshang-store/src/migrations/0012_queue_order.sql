-- A state's concerns in deadline order, then arrival (the deadline jobs and
-- overdue counts read it). It replaces the (state, deadline_at) index, which is
-- its prefix.

CREATE INDEX concerns_queue_order ON concerns(state, deadline_at, created_at, id);
DROP INDEX concerns_state_deadline;
