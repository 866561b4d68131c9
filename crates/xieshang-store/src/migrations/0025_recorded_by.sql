-- A recorder's own page lists the concerns they recorded for residents
-- (issue 26): found by who recorded them, newest first, without reading
-- every concern of the city.
CREATE INDEX concerns_recorded_by ON concerns(recorded_by, created_at);
