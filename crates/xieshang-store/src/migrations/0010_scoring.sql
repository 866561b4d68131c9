-- A body's scoring table for members' duty (履职积分): item, points per unit,
-- the unit, a yearly cap, a yearly minimum (a warning when not met) and an exit
-- trigger (a warning when reached). Rows are created from the defaults the first
-- time a body's table is read. Staff edit them.

CREATE TABLE scoring_rules (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    item TEXT NOT NULL,
    points BIGINT NOT NULL,
    unit TEXT NOT NULL,
    cap BIGINT,
    minimum BIGINT,
    exit_at BIGINT,
    UNIQUE (org_id, item)
);
