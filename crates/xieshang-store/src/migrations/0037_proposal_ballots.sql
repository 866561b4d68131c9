-- Issue 29 point 8: key proposals (重点提案). The proposal committee
-- nominates candidates among a session's accepted proposals; a ballot takes
-- the session's candidates not yet in a ballot, with its quota (how many may
-- be chosen, and how many each leader may vote for) and its closing time.
-- Each leader's choice is a set of rows in proposal_votes, one per candidate
-- chosen: the unique key makes a candidate count once per leader whatever
-- arrives at once; a changed choice replaces the set in one transaction.

CREATE TABLE proposal_ballots (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    session_id BIGINT NOT NULL REFERENCES proposal_sessions(id),
    quota BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    opened_by BIGINT REFERENCES users(id),
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by BIGINT REFERENCES users(id)
);
CREATE INDEX proposal_ballots_org ON proposal_ballots(org_id, closed_at);

CREATE TABLE proposal_candidates (
    proposal_id BIGINT PRIMARY KEY REFERENCES proposals(id),
    session_id BIGINT NOT NULL REFERENCES proposal_sessions(id),
    ballot_id BIGINT REFERENCES proposal_ballots(id),
    nominated_by BIGINT REFERENCES users(id),
    nominated_at BIGINT NOT NULL,
    votes BIGINT,
    selected BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX proposal_candidates_ballot ON proposal_candidates(ballot_id);
CREATE INDEX proposal_candidates_session ON proposal_candidates(session_id, ballot_id);

CREATE TABLE proposal_votes (
    ballot_id BIGINT NOT NULL REFERENCES proposal_ballots(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (ballot_id, user_id, proposal_id)
);

CREATE INDEX proposals_supervisor ON proposals(supervisor_id);
CREATE INDEX proposals_public ON proposals(org_id, disclosure, number)
