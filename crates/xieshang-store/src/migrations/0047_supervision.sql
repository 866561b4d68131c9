-- Issue 31 points 1-3: democratic supervision (民主监督, decision record 0045).
-- A body's one rule set (absent: the defaults of
-- xieshang_core::supervision::Rules); its supervision groups, each under a
-- special committee (named as text: committees are not units of the tree),
-- with a leader and members from the body's people; the departments each
-- group is posted to; the annual plan agreed with each department and its
-- acceptance; the group's activities (evidence photos in `attachments`,
-- kind 'supervision_activity'); and the supervision opinions, an item kind
-- on the engine (kind 'supervision_opinion').

CREATE TABLE supervision_rules (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    plan_days BIGINT NOT NULL,
    result_days BIGINT NOT NULL,
    require_plan BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE supervision_groups (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    committee TEXT NOT NULL,
    leader_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX supervision_groups_org ON supervision_groups(org_id, id);

CREATE TABLE supervision_members (
    group_id BIGINT NOT NULL REFERENCES supervision_groups(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX supervision_members_user ON supervision_members(user_id, group_id);

CREATE TABLE supervision_postings (
    group_id BIGINT NOT NULL REFERENCES supervision_groups(id),
    dept_id BIGINT NOT NULL REFERENCES orgs(id),
    posted_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, dept_id)
);
CREATE INDEX supervision_postings_dept ON supervision_postings(dept_id, group_id);

-- `activities` is the planned activities, one a line (`YYYY-MM-DD text`).
CREATE TABLE supervision_plans (
    id {{id}},
    group_id BIGINT NOT NULL REFERENCES supervision_groups(id),
    dept_id BIGINT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    topics TEXT NOT NULL,
    activities TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    accepted_by BIGINT REFERENCES users(id),
    accepted_at BIGINT,
    UNIQUE (group_id, dept_id, year)
);
CREATE INDEX supervision_plans_dept ON supervision_plans(dept_id, accepted_at);

CREATE TABLE supervision_activities (
    id {{id}},
    group_id BIGINT NOT NULL REFERENCES supervision_groups(id),
    dept_id BIGINT REFERENCES orgs(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    phone TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX supervision_activities_group ON supervision_activities(group_id, id);

-- `org_id` is the body; `round` counts the deadline rounds (1: the plan,
-- 2: the result, 3…: a result asked again after an unsatisfied rating), so
-- a queued stage of a round that has moved on does nothing.
CREATE TABLE supervision_opinions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    group_id BIGINT NOT NULL REFERENCES supervision_groups(id),
    dept_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    round BIGINT NOT NULL DEFAULT 1,
    plan_due_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    plan_text TEXT,
    plan_at BIGINT,
    result_text TEXT,
    result_at BIGINT,
    rating TEXT,
    rating_note TEXT,
    rated_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    public_timeline TEXT NOT NULL DEFAULT '',
    public_units TEXT NOT NULL DEFAULT '',
    public_progress TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervision_opinions_group ON supervision_opinions(group_id, id);
CREATE INDEX supervision_opinions_org ON supervision_opinions(org_id, id);
CREATE INDEX supervision_opinions_dept ON supervision_opinions(dept_id, state);
