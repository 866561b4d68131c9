-- Issue 30 point 9: the office's report queue reads a body's latest reports
-- (by id, the state filter aside) and the figures a body's reports of one
-- year (by submission time). With (org_id, state, id) alone both read every
-- report of the body and sorted them (2,088 a district on a generated city).
CREATE INDEX opinion_reports_body ON opinion_reports(org_id, id);
CREATE INDEX opinion_reports_body_created ON opinion_reports(org_id, created_at);
-- The phone home's followed concerns read one member's follows of one kind:
-- SQLite took the (kind, item_id, user_id) key and read every follower of
-- every concern in the city.
CREATE INDEX item_followers_user_kind ON item_followers(user_id, kind)
