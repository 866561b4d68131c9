-- Member studios (委员工作室) and their duty rotas. A studio belongs to a unit
-- and has members in rotation order. Each duty shift is one member on one day,
-- checked in by the member on the day.

CREATE TABLE studios (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    per_day BIGINT NOT NULL,
    on_holiday TEXT NOT NULL,
    next_member BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX studios_org ON studios(org_id);

CREATE TABLE studio_members (
    studio_id BIGINT NOT NULL REFERENCES studios(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (studio_id, user_id)
);

CREATE TABLE duty_shifts (
    id {{id}},
    studio_id BIGINT NOT NULL REFERENCES studios(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    planned_day TEXT NOT NULL,
    checked_in_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (studio_id, day, user_id)
);
CREATE INDEX duty_shifts_studio_day ON duty_shifts(studio_id, day);
CREATE INDEX duty_shifts_user_day ON duty_shifts(user_id, day);
