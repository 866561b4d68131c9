-- Full-text search over items (concerns now, proposals and reports later). The
-- tokens are produced by the text crate (jieba words and character pairs) and
-- stored space-separated. SQLite indexes them with FTS5 as external content of
-- this table. PostgreSQL keeps a generated tsvector with the 'simple'
-- configuration under a GIN index. Rows are written in the same transaction as
-- the item they index.

CREATE TABLE search_docs (
    id {{id}},
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    tokens TEXT NOT NULL,
    UNIQUE (kind, item_id)
);

{{search_index}}
