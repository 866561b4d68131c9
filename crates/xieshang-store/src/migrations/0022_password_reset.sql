-- An account's owner can set a new password through a link sent to the
-- account's email: the link's token is kept only as its SHA-256, with the time
-- it stops working. Using it lifts a lock-out, so a lock set by someone else's
-- wrong guesses never keeps the owner out for long.
ALTER TABLE users ADD COLUMN reset_token_hash TEXT;
ALTER TABLE users ADD COLUMN reset_expires_at BIGINT;
CREATE INDEX users_reset_token ON users(reset_token_hash);
