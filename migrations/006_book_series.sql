-- Books gain a subtitle and a series (its name and the book's place in it), and search
-- covers the subtitle and the series name.
--
-- Adding columns leaves every row as it is (the new ones are NULL). The full-text index
-- cannot gain columns, so it is made again with two more, at the end so that the bm25
-- weights of the first five keep their places (models/book.rs, FTS_WEIGHTS), and rebuilt
-- from books. `books` itself is not rebuilt, so this is an ordinary step.

ALTER TABLE books ADD COLUMN subtitle TEXT;
ALTER TABLE books ADD COLUMN series TEXT;
ALTER TABLE books ADD COLUMN series_number INTEGER;

DROP TRIGGER books_after_insert;
DROP TRIGGER books_after_delete;
DROP TRIGGER books_after_update;
DROP TABLE books_fts;

CREATE VIRTUAL TABLE books_fts USING fts5(
    title, author, description, tags, isbn, subtitle, series,
    content = 'books', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO books_fts (books_fts) VALUES ('rebuild');

CREATE TRIGGER books_after_insert AFTER INSERT ON books BEGIN
    INSERT INTO books_fts (rowid, title, author, description, tags, isbn, subtitle, series)
    VALUES (new.id, new.title, new.author, new.description, new.tags, new.isbn,
            new.subtitle, new.series);
    INSERT OR IGNORE INTO book_tags (book_id, tag)
    SELECT new.id, value FROM json_each(new.tags);
END;

CREATE TRIGGER books_after_delete AFTER DELETE ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, author, description, tags, isbn,
                           subtitle, series)
    VALUES ('delete', old.id, old.title, old.author, old.description, old.tags, old.isbn,
            old.subtitle, old.series);
END;

CREATE TRIGGER books_after_update AFTER UPDATE ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, author, description, tags, isbn,
                           subtitle, series)
    VALUES ('delete', old.id, old.title, old.author, old.description, old.tags, old.isbn,
            old.subtitle, old.series);
    INSERT INTO books_fts (rowid, title, author, description, tags, isbn, subtitle, series)
    VALUES (new.id, new.title, new.author, new.description, new.tags, new.isbn,
            new.subtitle, new.series);
    DELETE FROM book_tags WHERE book_id = old.id AND old.tags IS NOT new.tags;
    INSERT OR IGNORE INTO book_tags (book_id, tag)
    SELECT new.id, value FROM json_each(new.tags) WHERE old.tags IS NOT new.tags;
END;
