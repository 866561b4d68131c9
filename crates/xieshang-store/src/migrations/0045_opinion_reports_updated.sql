-- Issue 30 point 7: the JSON API lists reports newest change first
-- (`updated_at`, then `id`, both descending; the cursor is the last row's
-- pair), so a page is read by walking this index backwards and stops at its
-- LIMIT.
CREATE INDEX opinion_reports_updated ON opinion_reports(updated_at, id)
