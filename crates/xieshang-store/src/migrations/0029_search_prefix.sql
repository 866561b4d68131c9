-- Issue 26, one-character search (decision 0027, then 0030). A one-character
-- query is a prefix query ("坑"*), which FTS5 answered by reading and merging
-- the posting list of every token beginning with the character (路灯, 路面,
-- 路口 …): district search p99 went from 23–28 ms to 95–197 ms. FTS5 keeps a
-- posting list per one-character prefix when asked (prefix='1'), so the query
-- reads one list. The table is rebuilt from search_docs, which stays as it is.
-- PostgreSQL's GIN index answers 'x':* from its sorted entry tree; unchanged.
{{sqlite}}
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_docs', content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='1');
INSERT INTO search_fts (search_fts) VALUES ('rebuild');
{{/sqlite}}
