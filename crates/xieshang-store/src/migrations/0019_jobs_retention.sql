-- Done jobs are deleted once they are older than the retention period
-- (jobs::prune, run by the worker); before this, every notification, email,
-- deadline stage and webhook job stayed for good, several rows per concern.
-- A job the worker gave up after its attempts is marked done too, but keeps the
-- error it failed with in given_up and is never deleted, so what never ran can
-- still be found (/metrics counts them). The first index holds just the jobs
-- that may go, oldest first; the second just the ones given up.

ALTER TABLE jobs ADD COLUMN given_up TEXT;
CREATE INDEX jobs_done ON jobs(done_at) WHERE done_at IS NOT NULL AND given_up IS NULL;
CREATE INDEX jobs_given_up ON jobs(id) WHERE given_up IS NOT NULL;
