-- Issue 30 point 5: study and exchange (学习交流, decision record 0042).
-- A study material is published by staff to the members of a body or of a
-- member group (`audience_id`, a city or district body or a street group;
-- `body_id` is the body either way), with its text, links (one per line)
-- and a due time. Its files are attachments (kind 'study', stage
-- 'material'), as a consultation's are. A member's reading record is one
-- row per material: when first opened and when confirmed (set once).
-- Discussion topics belong to a body; a post hidden by staff keeps its
-- text, with who hid it, when and why.

CREATE TABLE study_materials (
    id {{id}},
    body_id BIGINT NOT NULL REFERENCES orgs(id),
    audience_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    links TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX study_materials_body ON study_materials(body_id, due_at);
CREATE INDEX study_materials_audience ON study_materials(audience_id, due_at);

CREATE TABLE study_readings (
    material_id BIGINT NOT NULL REFERENCES study_materials(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    opened_at BIGINT,
    confirmed_at BIGINT,
    PRIMARY KEY (material_id, user_id)
);
CREATE INDEX study_readings_user ON study_readings(user_id, confirmed_at);

CREATE TABLE study_topics (
    id {{id}},
    body_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_post_at BIGINT NOT NULL
);
CREATE INDEX study_topics_body ON study_topics(body_id, last_post_at);

CREATE TABLE study_posts (
    id {{id}},
    topic_id BIGINT NOT NULL REFERENCES study_topics(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    hidden_at BIGINT,
    hidden_by BIGINT REFERENCES users(id),
    hidden_reason TEXT
);
CREATE INDEX study_posts_topic ON study_posts(topic_id, id);
