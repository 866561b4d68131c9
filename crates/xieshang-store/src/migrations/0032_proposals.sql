-- Issue 29: proposals (提案) as an item kind on the engine (decision record
-- 0033). A body's terms (届) and sessions (次会议) with their dates; its
-- categories and its grounds for not accepting (defaults written when its
-- first term is created, editable); its length cap; the proposals, with the
-- columns the engine writes; and who signs each (the initiator first).

CREATE TABLE proposal_terms (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

-- `last_number` is the counter of the session's proposal numbers (第N号):
-- raised by one in the transaction that accepts a proposal, so the numbers
-- are gap-free (a rolled-back acceptance rolls it back too) and two
-- acceptances at once wait for each other on the row.
CREATE TABLE proposal_sessions (
    id {{id}},
    term_id BIGINT NOT NULL REFERENCES proposal_terms(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    last_number BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (term_id, name)
);
CREATE INDEX proposal_sessions_org ON proposal_sessions(org_id, opens_on);

-- A body's lists: `category` and `ground` (不予立案的理由).
CREATE TABLE proposal_options (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    list TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    hidden BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, list, name)
);

CREATE TABLE proposal_rules (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    length_cap BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE proposals (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    proposer_id BIGINT NOT NULL REFERENCES users(id),
    session_id BIGINT REFERENCES proposal_sessions(id),
    occasion TEXT,
    number BIGINT,
    category_id BIGINT REFERENCES proposal_options(id),
    title TEXT NOT NULL,
    situation TEXT NOT NULL,
    analysis TEXT NOT NULL,
    suggestions TEXT NOT NULL,
    state TEXT NOT NULL,
    ground_id BIGINT REFERENCES proposal_options(id),
    decision_note TEXT,
    merged_into BIGINT REFERENCES proposals(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    filed_at BIGINT,
    decided_at BIGINT,
    public_timeline TEXT NOT NULL DEFAULT '',
    public_units TEXT NOT NULL DEFAULT '',
    public_progress TEXT NOT NULL DEFAULT '',
    UNIQUE (session_id, number)
);
CREATE INDEX proposals_org ON proposals(org_id, state);
CREATE INDEX proposals_proposer ON proposals(proposer_id);

-- Position 0 is the initiator (signed when the draft is made); co-signers
-- follow in the order invited, each `pending`, `confirmed` or `declined`.
CREATE TABLE proposal_signers (
    id {{id}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    position BIGINT NOT NULL,
    answer TEXT NOT NULL,
    invited_at BIGINT NOT NULL,
    answered_at BIGINT,
    UNIQUE (proposal_id, user_id)
);
CREATE INDEX proposal_signers_user ON proposal_signers(user_id, answer)
