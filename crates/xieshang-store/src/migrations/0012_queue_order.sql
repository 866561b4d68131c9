-- The staff queue reads a state's concerns in queue order straight from an
-- index: by deadline, then arrival. It replaces the (state, deadline_at) index,
-- which is its prefix.

CREATE INDEX concerns_queue_order ON concerns(state, deadline_at, created_at, id);
DROP INDEX concerns_state_deadline;
