-- Issue 29 point 6: a handling unit asks for more time (延期) and the
-- proposal committee approves or refuses; approved, the proposal's due_at
-- moves to `until_at` (never beyond the body's extension_max_months from the
-- assignment). decided_at NULL: waiting for the committee.
CREATE TABLE proposal_extensions (
    id {{id}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    until_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    requested_by BIGINT REFERENCES users(id),
    requested_at BIGINT NOT NULL,
    approved BIGINT,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT
);
CREATE INDEX proposal_extensions_proposal ON proposal_extensions(proposal_id, round);
