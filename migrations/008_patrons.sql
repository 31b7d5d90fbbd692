-- Patrons as a school keeps them. A member no longer needs an e-mail address or a
-- password (staff create pupils; they sign in by card and PIN once given one); a member
-- record gains phone, note, card expiry and a status; a loan's link to its reader can be
-- cut (anonymised history) while the loan row, and so every count, stays. Loan rules per
-- group, and the audit log of staff actions.
--
-- `users` and `loans` are rebuilt (SQLite cannot drop NOT NULL in place), so this step
-- runs as a checked one: a backup first, then foreign_key_check and integrity_check.

-- Dropping a table drops its AUTOINCREMENT counter, and copying the rows back sets it to
-- the highest id left: the id of a newest row deleted before the upgrade would be handed
-- out again. The counters are kept here and put back at the end.
CREATE TEMP TABLE upgrade_seq AS
SELECT name, seq FROM sqlite_sequence WHERE name IN ('users', 'loans');

CREATE TABLE users_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email           TEXT    COLLATE NOCASE UNIQUE,
    -- A bcrypt hash of the password or PIN; NULL: this person cannot sign in.
    password_hash   TEXT,
    image_file      TEXT    NOT NULL DEFAULT 'default.jpg',
    role            TEXT    NOT NULL DEFAULT 'member'
                            CHECK (role IN ('member', 'librarian', 'admin')),
    -- Raised by a password reset; tokens carrying an older value are refused.
    token_version   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    modified_at     INTEGER NOT NULL,
    -- Random per account; a token names it besides the id.
    token_key       TEXT    NOT NULL DEFAULT (lower(hex(randomblob(16)))),
    full_name       TEXT,
    card_number     TEXT    COLLATE NOCASE,
    group_name      TEXT,
    phone           TEXT,
    note            TEXT,
    card_expires_on TEXT,                     -- YYYY-MM-DD; the card works through that day
    -- pending: registered, waiting for staff to approve (registration = approval).
    status          TEXT    NOT NULL DEFAULT 'active'
                            CHECK (status IN ('active', 'blocked', 'left', 'pending')),
    blocked_reason  TEXT,
    erased_at       INTEGER                   -- personal data erased then
);
INSERT INTO users_new (id, username, email, password_hash, image_file, role, token_version,
                       created_at, modified_at, token_key, full_name, card_number, group_name)
SELECT id, username, email, password_hash, image_file, role, token_version,
       created_at, modified_at, token_key, full_name, card_number, group_name
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_card_number ON users(card_number) WHERE card_number IS NOT NULL;
CREATE INDEX users_group_name ON users(group_name COLLATE NOCASE);
CREATE INDEX users_full_name ON users(full_name COLLATE NOCASE);

-- user_id NULL: the loan is anonymised (or its reader erased); the row stays for counts.
CREATE TABLE loans_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    book_id     INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    borrowed_at INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    returned_at INTEGER,                       -- NULL while the copy is out
    renewals    INTEGER NOT NULL DEFAULT 0,
    item_id     INTEGER REFERENCES items(id) ON DELETE CASCADE,
    -- The reader's group when they borrowed: statistics by group outlive the link.
    group_name  TEXT
);
INSERT INTO loans_new (id, book_id, user_id, borrowed_at, due_at, returned_at, renewals,
                       item_id, group_name)
SELECT l.id, l.book_id, l.user_id, l.borrowed_at, l.due_at, l.returned_at, l.renewals,
       l.item_id, u.group_name
FROM loans l LEFT JOIN users u ON u.id = l.user_id;
DROP TABLE loans;
ALTER TABLE loans_new RENAME TO loans;
CREATE INDEX loans_user ON loans(user_id, returned_at);
CREATE INDEX loans_due_out ON loans(due_at) WHERE returned_at IS NULL;
CREATE UNIQUE INDEX loans_one_out ON loans(book_id, user_id) WHERE returned_at IS NULL;
CREATE INDEX loans_item_out ON loans(item_id) WHERE returned_at IS NULL;
-- Finds returned loans still linked to a reader, oldest first, for anonymising.
CREATE INDEX loans_linked_returned ON loans(returned_at)
    WHERE returned_at IS NOT NULL AND user_id IS NOT NULL;

-- Rules for a group's readers; a NULL rule falls back to the server's configuration.
CREATE TABLE loan_rules (
    group_name   TEXT    PRIMARY KEY COLLATE NOCASE,
    loan_days    INTEGER CHECK (loan_days BETWEEN 1 AND 365),
    max_loans    INTEGER CHECK (max_loans BETWEEN 0 AND 1000),
    max_renewals INTEGER CHECK (max_renewals BETWEEN 0 AND 100),
    max_holds    INTEGER CHECK (max_holds BETWEEN 0 AND 1000),
    modified_at  INTEGER NOT NULL
);

-- Who did what. `actor` and the subject's words are copied in, so the log still reads
-- when an account is gone; erasing a patron clears their name from `patron` entries.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,             -- "loan.create", "patron.block", …
    subject_type TEXT    NOT NULL,             -- loan, hold, item, patron, book, settings
    subject_id   INTEGER,
    patron_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_actor ON audit(actor_id, at);
CREATE INDEX audit_patron ON audit(patron_id, at);
-- Entries about loans and holds still naming their reader, for anonymising.
CREATE INDEX audit_reading_linked ON audit(at)
    WHERE patron_id IS NOT NULL AND subject_type IN ('loan', 'hold');

INSERT INTO sqlite_sequence (name, seq)
SELECT name, seq FROM temp.upgrade_seq
WHERE name NOT IN (SELECT name FROM sqlite_sequence);
UPDATE sqlite_sequence
SET seq = MAX(seq, (SELECT u.seq FROM temp.upgrade_seq u WHERE u.name = sqlite_sequence.name))
WHERE name IN (SELECT name FROM temp.upgrade_seq);
DROP TABLE temp.upgrade_seq;

-- Existing databases keep open self-registration (the behaviour they were made with).
INSERT OR IGNORE INTO settings (key, value) VALUES ('registration', 'open');
