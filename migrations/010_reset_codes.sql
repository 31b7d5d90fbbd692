-- Password resets by code, for clients of the original Flask server: its reset request
-- answers with a token that names the request, and a code of digits goes by mail; both
-- are needed to set a new password. A row with a code_hash is such a request (the
-- mailed-link resets keep code_hash NULL); tries_left counts the wrong codes it may still
-- take before it is spent.
ALTER TABLE password_resets ADD COLUMN code_hash TEXT;
ALTER TABLE password_resets ADD COLUMN tries_left INTEGER NOT NULL DEFAULT 0;
