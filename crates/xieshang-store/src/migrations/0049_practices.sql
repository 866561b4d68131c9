-- Issue 31 points 5 and 6: the best-practice library (优秀做法) and its printed
-- booklet (汇编成册), decision record 0046. A practice is an item on the
-- engine (kind 'practice'); its unit is the district that wrote it. Photos
-- and files sit in attachments (kind 'practice', stages 'photo' and 'file').
-- `figures` holds the key numbers as written, one "label: value" a line.
-- `review_note` is the city's latest note (asking for changes, or with its
-- decision); every note is on the timeline too.
CREATE TABLE practices (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    area TEXT NOT NULL,
    summary TEXT NOT NULL,
    steps TEXT NOT NULL DEFAULT '',
    figures TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    review_note TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    decided_at BIGINT,
    public_timeline TEXT NOT NULL DEFAULT '',
    public_units TEXT NOT NULL DEFAULT '',
    public_progress TEXT NOT NULL DEFAULT ''
);
-- The city's review list (state, newest first) and a district's own list.
CREATE INDEX practices_state ON practices(state, id);
CREATE INDEX practices_org ON practices(org_id, id);

-- Field meetings (现场会) the city held, and the practices shown at each.
CREATE TABLE practice_meetings (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    held_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX practice_meetings_org ON practice_meetings(org_id, held_on);

CREATE TABLE practice_meeting_items (
    meeting_id BIGINT NOT NULL REFERENCES practice_meetings(id),
    practice_id BIGINT NOT NULL REFERENCES practices(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, practice_id)
);
CREATE INDEX practice_meeting_items_practice ON practice_meeting_items(practice_id);

-- A booklet: its cover, its state ('queued', 'generating', 'ready',
-- 'failed'), its progress while the job writes it ("3 of 12"), and the PDF.
CREATE TABLE booklets (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    body_name TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    state TEXT NOT NULL,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    failure TEXT,
    pdf {{blob}},
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX booklets_org ON booklets(org_id, id);

CREATE TABLE booklet_chapters (
    id {{id}},
    booklet_id BIGINT NOT NULL REFERENCES booklets(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL
);
CREATE INDEX booklet_chapters_booklet ON booklet_chapters(booklet_id, position);

CREATE TABLE booklet_items (
    chapter_id BIGINT NOT NULL REFERENCES booklet_chapters(id),
    position BIGINT NOT NULL,
    practice_id BIGINT NOT NULL REFERENCES practices(id),
    PRIMARY KEY (chapter_id, position)
);
