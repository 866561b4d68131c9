-- Issue 30 points 1-4: public-opinion reports (社情民意信息) as an item kind on
-- the engine (decision record 0041). A body's rule table (cap and points;
-- absent means the defaults of xieshang_core::report::Rules); the reports,
-- with the submitted text kept as typed and the office's edited copy beside
-- it; every version of the text; the levels a used report was forwarded to
-- and their adoptions; leaders' instructions.

CREATE TABLE opinion_report_rules (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    length_cap BIGINT NOT NULL,
    points_own BIGINT NOT NULL,
    points_city BIGINT NOT NULL,
    points_national BIGINT NOT NULL,
    points_city_instruction BIGINT NOT NULL,
    points_central_instruction BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- `org_id` is the body (the district's CPPCC); `group_org_id` the member
-- group it was submitted on behalf of; `source` where it came from
-- (`reception-N`, `concern-N`, `proposal-N`: the item_links row's source).
-- `version` is the number of the latest row in opinion_report_versions.
CREATE TABLE opinion_reports (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    submitter_id BIGINT NOT NULL REFERENCES users(id),
    group_org_id BIGINT REFERENCES orgs(id),
    source TEXT,
    title TEXT NOT NULL,
    matter TEXT NOT NULL,
    edited_title TEXT,
    edited_matter TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    decision_note TEXT,
    merged_into BIGINT REFERENCES opinion_reports(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    decided_at BIGINT,
    public_timeline TEXT NOT NULL DEFAULT '',
    public_units TEXT NOT NULL DEFAULT '',
    public_progress TEXT NOT NULL DEFAULT ''
);
CREATE INDEX opinion_reports_queue ON opinion_reports(org_id, state, id);
CREATE INDEX opinion_reports_submitter ON opinion_reports(submitter_id, created_at);
CREATE INDEX opinion_reports_merged ON opinion_reports(merged_into);
CREATE INDEX opinion_reports_group ON opinion_reports(group_org_id, created_at);

CREATE TABLE opinion_report_versions (
    id {{id}},
    report_id BIGINT NOT NULL REFERENCES opinion_reports(id),
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    matter TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (report_id, version)
);

CREATE TABLE opinion_report_levels (
    id {{id}},
    report_id BIGINT NOT NULL REFERENCES opinion_reports(id),
    level TEXT NOT NULL,
    forwarded_by BIGINT NOT NULL REFERENCES users(id),
    forwarded_at BIGINT NOT NULL,
    adopted_by BIGINT REFERENCES users(id),
    adopted_at BIGINT,
    evidence TEXT,
    UNIQUE (report_id, level)
);

CREATE TABLE opinion_report_instructions (
    id {{id}},
    report_id BIGINT NOT NULL REFERENCES opinion_reports(id),
    leader TEXT NOT NULL,
    level TEXT NOT NULL,
    given_on TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX opinion_report_instructions_report ON opinion_report_instructions(report_id);
