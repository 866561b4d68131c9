-- The resident's key: a secret handed out once when a concern is filed (in the
-- tracking link, or read out by the recorder), kept here only as its SHA-256.
-- The tracking code stays a public reference; giving feedback (which closes or
-- reopens the concern) needs the key. Concerns filed before this have none and
-- cannot be rated from outside.
ALTER TABLE concerns ADD COLUMN resident_key_hash TEXT;
