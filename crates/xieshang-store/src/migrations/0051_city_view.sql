-- Issue 31 point 7: the city view compares the districts over a chosen
-- period (decision record 0047). Each figure is one GROUP BY over the
-- period's rows; these indexes make the period a range and hold the
-- columns the figures read, so no count visits a table row (PostgreSQL's
-- index-only scans) and none reads rows outside the period.

CREATE INDEX concerns_city_created ON concerns(created_at, branch_id);
CREATE INDEX concerns_city_resolved ON concerns(resolved_at, branch_id, created_at, deadline_at);
CREATE INDEX item_feedback_kind_at ON item_feedback(kind, at, item_id, rating);
CREATE INDEX consultations_held ON consultations(held_at);
CREATE INDEX consultation_actions_done ON consultation_actions(done_at);
CREATE INDEX proposals_filed ON proposals(filed_at);
CREATE INDEX proposal_replies_replied ON proposal_replies(replied_at);
CREATE INDEX opinion_reports_decided ON opinion_reports(decided_at);
CREATE INDEX opinion_report_levels_adopted ON opinion_report_levels(adopted_at);
