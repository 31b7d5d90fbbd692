-- Ids of users, books, loans and holds are never handed out twice (AUTOINCREMENT), and
-- every account gets a random token key that its access tokens must carry: a token of a
-- deleted account can then never open another one, whatever id that one is given.
--
-- SQLite cannot add AUTOINCREMENT to a table, so the four tables are rebuilt. This step
-- runs as a table rebuild (see db.rs): outside the usual per-step transaction with foreign
-- keys off, so dropping the old `users` does not cascade into loans and holds, after an
-- automatic backup of the database file, and checked with foreign_key_check and
-- integrity_check before it commits. Every row keeps its id; copying the rows in with
-- their ids also starts each table's sequence at its highest id.

CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email         TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    password_hash TEXT    NOT NULL,
    image_file    TEXT    NOT NULL DEFAULT 'default.jpg',
    role          TEXT    NOT NULL DEFAULT 'member'
                          CHECK (role IN ('member', 'librarian', 'admin')),
    -- Raised by a password reset; tokens carrying an older value are refused.
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    modified_at   INTEGER NOT NULL,
    -- Random per account; a token names it besides the id.
    token_key     TEXT    NOT NULL DEFAULT (lower(hex(randomblob(16))))
);
INSERT INTO users_new (id, username, email, password_hash, image_file, role, token_version,
                       created_at, modified_at)
SELECT id, username, email, password_hash, image_file, role, token_version,
       created_at, modified_at
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE books_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    title          TEXT    NOT NULL,
    author         TEXT    NOT NULL,
    isbn           TEXT    UNIQUE,            -- ISBN-13 digits only; NULL when unknown
    publisher      TEXT,
    published_year INTEGER,
    language       TEXT,
    description    TEXT,
    tags           TEXT    NOT NULL DEFAULT '[]',  -- JSON array of strings
    copies         INTEGER NOT NULL DEFAULT 1 CHECK (copies >= 0),
    cover_file     TEXT,
    created_at     INTEGER NOT NULL,
    modified_at    INTEGER NOT NULL
);
INSERT INTO books_new (id, title, author, isbn, publisher, published_year, language,
                       description, tags, copies, cover_file, created_at, modified_at)
SELECT id, title, author, isbn, publisher, published_year, language,
       description, tags, copies, cover_file, created_at, modified_at
FROM books;
-- Dropping `books` drops its triggers too; they are made again below. The full-text index
-- (books_fts) is a table of its own, keyed by the unchanged ids, and stays as it is.
DROP TABLE books;
ALTER TABLE books_new RENAME TO books;
CREATE INDEX books_title ON books(title COLLATE NOCASE);
CREATE INDEX books_author ON books(author COLLATE NOCASE);
CREATE INDEX books_published_year ON books(published_year);
CREATE INDEX books_created_at ON books(created_at);

CREATE TRIGGER books_after_insert AFTER INSERT ON books BEGIN
    INSERT INTO books_fts (rowid, title, author, description, tags, isbn)
    VALUES (new.id, new.title, new.author, new.description, new.tags, new.isbn);
    INSERT OR IGNORE INTO book_tags (book_id, tag)
    SELECT new.id, value FROM json_each(new.tags);
END;

CREATE TRIGGER books_after_delete AFTER DELETE ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, author, description, tags, isbn)
    VALUES ('delete', old.id, old.title, old.author, old.description, old.tags, old.isbn);
END;

CREATE TRIGGER books_after_update AFTER UPDATE ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, author, description, tags, isbn)
    VALUES ('delete', old.id, old.title, old.author, old.description, old.tags, old.isbn);
    INSERT INTO books_fts (rowid, title, author, description, tags, isbn)
    VALUES (new.id, new.title, new.author, new.description, new.tags, new.isbn);
    DELETE FROM book_tags WHERE book_id = old.id AND old.tags IS NOT new.tags;
    INSERT OR IGNORE INTO book_tags (book_id, tag)
    SELECT new.id, value FROM json_each(new.tags) WHERE old.tags IS NOT new.tags;
END;

CREATE TRIGGER books_version_after_insert AFTER INSERT ON books BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER books_version_after_update AFTER UPDATE ON books BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER books_version_after_delete AFTER DELETE ON books BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;

CREATE TABLE loans_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    book_id     INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    borrowed_at INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    returned_at INTEGER,                       -- NULL while the copy is out
    renewals    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO loans_new (id, book_id, user_id, borrowed_at, due_at, returned_at, renewals)
SELECT id, book_id, user_id, borrowed_at, due_at, returned_at, renewals FROM loans;
DROP TABLE loans;
ALTER TABLE loans_new RENAME TO loans;
CREATE INDEX loans_book_out ON loans(book_id) WHERE returned_at IS NULL;
CREATE INDEX loans_user ON loans(user_id, returned_at);
CREATE INDEX loans_due_out ON loans(due_at) WHERE returned_at IS NULL;
CREATE UNIQUE INDEX loans_one_out ON loans(book_id, user_id) WHERE returned_at IS NULL;

CREATE TABLE holds_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    book_id     INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'ready', 'fulfilled', 'cancelled', 'expired')),
    ready_until INTEGER,                       -- set when the hold becomes ready
    closed_at   INTEGER                        -- set when fulfilled, cancelled or expired
);
INSERT INTO holds_new (id, book_id, user_id, created_at, status, ready_until, closed_at)
SELECT id, book_id, user_id, created_at, status, ready_until, closed_at FROM holds;
DROP TABLE holds;
ALTER TABLE holds_new RENAME TO holds;
CREATE INDEX holds_queue ON holds(book_id, status, id);
CREATE INDEX holds_user ON holds(user_id, status);
CREATE UNIQUE INDEX holds_one_open ON holds(book_id, user_id) WHERE status IN ('waiting', 'ready');
