-- Issue 26 point 5: a street's, community's or grid's representative point
-- (WGS84 degrees, decision 0049), set by staff on the unit's page or by the
-- demo and the data generator. The report form's location button picks the
-- resident's area as the nearest point's (store::org::point::nearest), read
-- as a range of latitudes from this index. Both or neither are set.
ALTER TABLE orgs ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE orgs ADD COLUMN lng DOUBLE PRECISION;
CREATE INDEX orgs_point ON orgs(lat, lng) WHERE lat IS NOT NULL;
