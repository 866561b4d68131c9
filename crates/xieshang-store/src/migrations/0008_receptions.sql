-- Receptions (接待) during a studio duty shift: the visitor's matter and what
-- the member did. The visitor's name and phone are sealed like a reporter's. A
-- reception can become a concern (channel studio), linked here.

CREATE TABLE receptions (
    id {{id}},
    shift_id BIGINT NOT NULL REFERENCES duty_shifts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    visitor_name_sealed TEXT,
    visitor_phone_sealed TEXT,
    visitor_name_masked TEXT,
    visitor_phone_masked TEXT,
    matter TEXT NOT NULL,
    action_taken TEXT NOT NULL,
    concern_id BIGINT REFERENCES concerns(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX receptions_shift ON receptions(shift_id);
CREATE INDEX receptions_user ON receptions(user_id, created_at);
