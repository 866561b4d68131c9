-- Issue 29 point 3: proposal leads sent by residents through the public form
-- (no account: the sender follows the lead by its code; a contact, if given,
-- is sealed), adopted by a member into a draft (`proposal_id`). On the
-- proposal: the lead it was adopted from (`resident-N`, `reception-N`,
-- `concern-N`, the last two being ids of the engine's item_links), and the
-- name it is filed in when not the initiator's own (a member group, a
-- sector, a party, …: `filed_for` the kind, `filed_for_name` the name).
CREATE TABLE proposal_leads (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    contact_sealed TEXT,
    created_at BIGINT NOT NULL,
    proposal_id BIGINT REFERENCES proposals(id),
    adopted_at BIGINT
);
CREATE INDEX proposal_leads_org ON proposal_leads(org_id, proposal_id);

ALTER TABLE proposals ADD COLUMN lead_source TEXT;
ALTER TABLE proposals ADD COLUMN filed_for TEXT;
ALTER TABLE proposals ADD COLUMN filed_for_name TEXT
