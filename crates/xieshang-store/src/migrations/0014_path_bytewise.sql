-- Scope conditions read a subtree as a range of paths (path >= '/1/7/' AND
-- path < '/1/70'), which is exact only when paths compare byte by byte. SQLite's
-- default collation does so. On PostgreSQL the column gets the "C" collation, so
-- a database created with a language collation keeps scopes exact (the path
-- index is rebuilt with the column).

{{path_bytewise}}
