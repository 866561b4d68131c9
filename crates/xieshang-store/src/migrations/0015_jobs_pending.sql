-- The worker asks for the next due jobs in run order. With (done_at, run_at) it
-- had to sort every due job of a backlog to find the first fifty (4.4 ms on
-- PostgreSQL with 47,000 waiting); a partial index of the jobs not yet done, in
-- run order, gives them in order and holds only what is still to run.

CREATE INDEX jobs_pending ON jobs(run_at, id) WHERE done_at IS NULL;
DROP INDEX jobs_due;
