-- The dashboard's figures kept as counts per unit, so that a staff member's
-- first look after a change reads a few dozen counts instead of every concern
-- of the scope (0.5-0.9 s for a district of a 1,000,000-concern city after
-- each change; BENCHMARKS.md 2026-12-04, fourth session). Dimensions (dim):
-- the concern's state, its category, its resolution time in tenths of a day
-- (k is the tenth, rounded; the figure the page shows) and its residents'
-- feedback ratings; each at the concern's unit and again at its branch (dim
-- prefixed 'b.'), which a district's or the city's dashboard reads.
--
-- Triggers on concerns and concern_feedback (tally.rs; created with this
-- migration by migrate.rs, as their bodies hold semicolons) append each
-- change to the log as a difference; nothing else writes it, so every path
-- that changes a concern is counted. The worker folds the log into the
-- tallies (tally::compact); readers add the two.

CREATE TABLE concern_tallies (
    org_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    k TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, dim, k)
);

CREATE TABLE concern_tally_log (
    org_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    k TEXT NOT NULL,
    d BIGINT NOT NULL
);
