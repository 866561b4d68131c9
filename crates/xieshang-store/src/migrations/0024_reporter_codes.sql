-- Feedback belongs to each reporter (issue 26 point 4). A resident who joins
-- an open concern ("same problem") gets a tracking code and a key of their own,
-- kept on their reporter row (only the key's hash), so they are asked and
-- answer for themselves and never learn the first resident's code. Each
-- answer in item_feedback names the code of the reporter who gave it and the
-- resolution it answers (1 for the item's first resolve event, 2 for the
-- next, ...), so a reporter answers once per resolution and the concern closes
-- when those who answer are satisfied.
ALTER TABLE concern_reporters ADD COLUMN tracking_code TEXT;
ALTER TABLE concern_reporters ADD COLUMN resident_key_hash TEXT;
CREATE UNIQUE INDEX concern_reporters_code ON concern_reporters(tracking_code);
ALTER TABLE item_feedback ADD COLUMN reporter TEXT;
ALTER TABLE item_feedback ADD COLUMN resolution BIGINT;
