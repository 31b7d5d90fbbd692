-- Copies on the shelf for anyone, kept per book: its items on the shelf less the readers
-- waiting for it. A listing filtered to available books read this by counting items and
-- holds for every book it passed (over a second for a deep page of 200,000 books); now it
-- is one column, kept in step by triggers on items and holds, and each sort index carries
-- it, so such a page is read from the index alone. A ready hold that has lapsed (the sweep
-- returns its copy within a minute) is still added when a book is read (models::book).

ALTER TABLE books ADD COLUMN on_shelf INTEGER NOT NULL DEFAULT 0;

UPDATE books SET on_shelf =
      (SELECT COUNT(*) FROM items i WHERE i.book_id = books.id AND i.status = 'available')
    - (SELECT COUNT(*) FROM holds h WHERE h.book_id = books.id AND h.status = 'waiting');

CREATE TRIGGER items_on_shelf_insert AFTER INSERT ON items WHEN new.status = 'available' BEGIN
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = new.book_id;
END;

CREATE TRIGGER items_on_shelf_delete AFTER DELETE ON items WHEN old.status = 'available' BEGIN
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = old.book_id;
END;

CREATE TRIGGER items_on_shelf_update AFTER UPDATE OF status, book_id ON items
WHEN (old.status = 'available') != (new.status = 'available') OR old.book_id != new.book_id BEGIN
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = old.book_id AND old.status = 'available';
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = new.book_id AND new.status = 'available';
END;

CREATE TRIGGER holds_on_shelf_insert AFTER INSERT ON holds WHEN new.status = 'waiting' BEGIN
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = new.book_id;
END;

CREATE TRIGGER holds_on_shelf_delete AFTER DELETE ON holds WHEN old.status = 'waiting' BEGIN
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = old.book_id;
END;

CREATE TRIGGER holds_on_shelf_update AFTER UPDATE OF status, book_id ON holds
WHEN (old.status = 'waiting') != (new.status = 'waiting') OR old.book_id != new.book_id BEGIN
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = old.book_id AND old.status = 'waiting';
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = new.book_id AND new.status = 'waiting';
END;

-- A change of on_shelf alone changes neither what a search finds nor its order: the
-- full-text index and the catalogue version (the remembered searches) stay as they are.
DROP TRIGGER books_after_update;
CREATE TRIGGER books_after_update AFTER UPDATE ON books WHEN old.on_shelf IS new.on_shelf BEGIN
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

DROP TRIGGER books_version_after_update;
CREATE TRIGGER books_version_after_update AFTER UPDATE ON books
WHEN old.on_shelf IS new.on_shelf BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;

-- Each sort key's index ends with the id (the tie-break of every order) and carries
-- on_shelf, so "available, by title" is read from one index, in order, without the table.
DROP INDEX books_title;
DROP INDEX books_author;
DROP INDEX books_published_year;
DROP INDEX books_created_at;
CREATE INDEX books_title ON books(title COLLATE NOCASE, id, on_shelf);
CREATE INDEX books_author ON books(author COLLATE NOCASE, id, on_shelf);
CREATE INDEX books_published_year ON books(published_year, id, on_shelf);
CREATE INDEX books_created_at ON books(created_at, id, on_shelf);
