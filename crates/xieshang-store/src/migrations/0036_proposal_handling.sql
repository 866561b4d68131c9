-- Issue 29: what follows a proposal's assignment, shared by handling, key
-- proposals, disclosure and the figures. Each unit's reply per handling round
-- (round 1, then 2 after an unsatisfied evaluation), with its document number
-- and class; the unit's contact with the proposer before replying; the
-- co-handling units' opinions to the lead unit; each proposer's evaluation of
-- a round's reply. On the proposal: its handling round, its deadline in
-- force, its final reply's time and class (the figures and the public pages
-- read these without joining every reply), whether it is a key proposal and
-- who supervises it, and the proposer's choice of disclosure. Per body: the
-- rules of time of handling and the classes in use (NULL: the default).

CREATE TABLE proposal_replies (
    id {{id}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    lead BIGINT NOT NULL,
    doc_number TEXT NOT NULL,
    class TEXT NOT NULL,
    body TEXT NOT NULL,
    file_id BIGINT,
    due_at BIGINT,
    replied_by BIGINT REFERENCES users(id),
    replied_at BIGINT NOT NULL,
    UNIQUE (proposal_id, round, org_id)
);
CREATE INDEX proposal_replies_org ON proposal_replies(org_id, replied_at);

CREATE TABLE proposal_contacts (
    id {{id}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    way TEXT NOT NULL,
    note TEXT NOT NULL,
    contacted_by BIGINT REFERENCES users(id),
    contacted_at BIGINT NOT NULL
);
CREATE INDEX proposal_contacts_proposal ON proposal_contacts(proposal_id, round, org_id);

CREATE TABLE proposal_opinions (
    id {{id}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    body TEXT NOT NULL,
    sent_by BIGINT REFERENCES users(id),
    sent_at BIGINT NOT NULL,
    UNIQUE (proposal_id, round, org_id)
);

-- rating and consulted: 'satisfied', 'basically_satisfied', 'unsatisfied'.
CREATE TABLE proposal_evaluations (
    id {{id}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    round BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    rating TEXT NOT NULL,
    consulted TEXT NOT NULL,
    comment TEXT,
    at BIGINT NOT NULL,
    UNIQUE (proposal_id, round, user_id)
);

ALTER TABLE proposals ADD COLUMN handling_round BIGINT NOT NULL DEFAULT 0;
ALTER TABLE proposals ADD COLUMN due_at BIGINT;
ALTER TABLE proposals ADD COLUMN replied_at BIGINT;
ALTER TABLE proposals ADD COLUMN reply_class TEXT;
ALTER TABLE proposals ADD COLUMN key_at BIGINT;
ALTER TABLE proposals ADD COLUMN supervisor_id BIGINT REFERENCES users(id);
ALTER TABLE proposals ADD COLUMN disclosure TEXT;
ALTER TABLE proposals ADD COLUMN private_reason TEXT;
CREATE INDEX proposals_session ON proposals(session_id, state);

ALTER TABLE proposal_rules ADD COLUMN objection_days BIGINT;
ALTER TABLE proposal_rules ADD COLUMN co_opinion_days BIGINT;
ALTER TABLE proposal_rules ADD COLUMN reply_months BIGINT;
ALTER TABLE proposal_rules ADD COLUMN plenary_reply_months BIGINT;
ALTER TABLE proposal_rules ADD COLUMN extension_max_months BIGINT;
ALTER TABLE proposal_rules ADD COLUMN classes TEXT;
ALTER TABLE proposal_rules ADD COLUMN key_share_percent BIGINT
