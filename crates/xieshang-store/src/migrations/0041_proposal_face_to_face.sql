-- Issue 29 point 7 (decision record 0040): a second unsatisfied evaluation
-- puts a face-to-face consultation (面商) on the body's consultation plan as
-- a planned topic carrying the proposal (`proposal_id`); staff call it from
-- the plan with its date and place, and the consultation is then linked to
-- the proposal (item_links proposal -> consultation) with the proposer and
-- the lead unit among its participants. A reply's signed file is an
-- attachment (kind 'proposal', stage 'reply') that `proposal_replies.file_id`
-- (migration 0036) points to.
ALTER TABLE consultation_plan ADD COLUMN proposal_id BIGINT REFERENCES proposals(id);
CREATE INDEX consultation_plan_proposal ON consultation_plan(proposal_id)
