-- The dashboard of a city's staff reads the branch counts (dimensions b.*) of
-- every district and the state counts of every unit. Under the key (org_id,
-- dim, k) PostgreSQL found them by reading all the city's tallies (about
-- 90,000 rows at 1,000,000 concerns, 25-35 ms); by dimension they are ranges
-- (BENCHMARKS.md, 2026-12-05).

CREATE INDEX concern_tallies_dim ON concern_tallies(dim, org_id);
