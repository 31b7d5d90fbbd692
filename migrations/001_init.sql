-- Users, the settings the server keeps for itself, and password-reset tokens.
-- Timestamps are Unix seconds (UTC).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email         TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    password_hash TEXT    NOT NULL,
    image_file    TEXT    NOT NULL DEFAULT 'default.jpg',
    role          TEXT    NOT NULL DEFAULT 'member'
                          CHECK (role IN ('member', 'librarian', 'admin')),
    -- Raised by a password reset; tokens carrying an older value are refused.
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    modified_at   INTEGER NOT NULL
);

CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_resets_user ON password_resets(user_id);
