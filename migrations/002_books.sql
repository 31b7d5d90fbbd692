-- The catalogue and its full-text index.

CREATE TABLE books (
    id             INTEGER PRIMARY KEY,
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
CREATE INDEX books_title ON books(title COLLATE NOCASE);
CREATE INDEX books_author ON books(author COLLATE NOCASE);
CREATE INDEX books_published_year ON books(published_year);
CREATE INDEX books_created_at ON books(created_at);

-- One row a (book, tag), for the tag= filter; kept in step by the triggers below.
CREATE TABLE book_tags (
    book_id INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL COLLATE NOCASE,
    PRIMARY KEY (tag, book_id)
) WITHOUT ROWID;
CREATE INDEX book_tags_book ON book_tags(book_id);

-- External-content FTS5 index over the searchable columns; prefix indexes make
-- word-prefix queries ("pars*") fast.
CREATE VIRTUAL TABLE books_fts USING fts5(
    title, author, description, tags, isbn,
    content = 'books', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

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
