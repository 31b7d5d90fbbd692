-- A bulk import keeps a chunk's new books up to date once, at the end of the chunk,
-- instead of once per book and per copy from the triggers:
-- - the full-text index: FTS5 writes its pending terms out as a new segment at every
--   statement that opens a savepoint on it, so one book a statement made a tiny segment a
--   book, to be merged away later;
-- - `on_shelf`: each copy added raised it by one, rewriting the book's row and the four
--   sort indexes that carry it, three times for a book of three copies.
--
-- While the importing transaction holds the row of `import_chunk`, the triggers leave
-- books from `from_id` on (those it creates: ids are never reused) to it, and the import
-- sets their `on_shelf` and indexes them, as they then are, before it deletes the row.
-- The row is inserted and deleted inside that one transaction, so no other connection
-- ever sees it, and a crash rolls it back with the books.
CREATE TABLE import_chunk (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    from_id INTEGER NOT NULL
);

DROP TRIGGER books_after_insert;
CREATE TRIGGER books_after_insert AFTER INSERT ON books BEGIN
    INSERT INTO books_fts (rowid, title, author, description, tags, isbn, subtitle, series)
    SELECT new.id, new.title, new.author, new.description, new.tags, new.isbn,
           new.subtitle, new.series
    WHERE NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.id >= from_id);
    INSERT OR IGNORE INTO book_tags (book_id, tag)
    SELECT new.id, value FROM json_each(new.tags);
END;

DROP TRIGGER books_after_update;
CREATE TRIGGER books_after_update AFTER UPDATE ON books WHEN old.on_shelf IS new.on_shelf BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, author, description, tags, isbn,
                           subtitle, series)
    SELECT 'delete', old.id, old.title, old.author, old.description, old.tags, old.isbn,
           old.subtitle, old.series
    WHERE NOT EXISTS (SELECT 1 FROM import_chunk WHERE old.id >= from_id);
    INSERT INTO books_fts (rowid, title, author, description, tags, isbn, subtitle, series)
    SELECT new.id, new.title, new.author, new.description, new.tags, new.isbn,
           new.subtitle, new.series
    WHERE NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.id >= from_id);
    DELETE FROM book_tags WHERE book_id = old.id AND old.tags IS NOT new.tags;
    INSERT OR IGNORE INTO book_tags (book_id, tag)
    SELECT new.id, value FROM json_each(new.tags) WHERE old.tags IS NOT new.tags;
END;

DROP TRIGGER books_after_delete;
CREATE TRIGGER books_after_delete AFTER DELETE ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, author, description, tags, isbn,
                           subtitle, series)
    SELECT 'delete', old.id, old.title, old.author, old.description, old.tags, old.isbn,
           old.subtitle, old.series
    WHERE NOT EXISTS (SELECT 1 FROM import_chunk WHERE old.id >= from_id);
END;

DROP TRIGGER items_on_shelf_insert;
CREATE TRIGGER items_on_shelf_insert AFTER INSERT ON items WHEN new.status = 'available' BEGIN
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = new.book_id
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.book_id >= from_id);
END;

DROP TRIGGER items_on_shelf_delete;
CREATE TRIGGER items_on_shelf_delete AFTER DELETE ON items WHEN old.status = 'available' BEGIN
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = old.book_id
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE old.book_id >= from_id);
END;

DROP TRIGGER items_on_shelf_update;
CREATE TRIGGER items_on_shelf_update AFTER UPDATE OF status, book_id ON items
WHEN (old.status = 'available') != (new.status = 'available') OR old.book_id != new.book_id BEGIN
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = old.book_id AND old.status = 'available'
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE old.book_id >= from_id);
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = new.book_id AND new.status = 'available'
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.book_id >= from_id);
END;

DROP TRIGGER holds_on_shelf_insert;
CREATE TRIGGER holds_on_shelf_insert AFTER INSERT ON holds WHEN new.status = 'waiting' BEGIN
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = new.book_id
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.book_id >= from_id);
END;

DROP TRIGGER holds_on_shelf_delete;
CREATE TRIGGER holds_on_shelf_delete AFTER DELETE ON holds WHEN old.status = 'waiting' BEGIN
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = old.book_id
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE old.book_id >= from_id);
END;

DROP TRIGGER holds_on_shelf_update;
CREATE TRIGGER holds_on_shelf_update AFTER UPDATE OF status, book_id ON holds
WHEN (old.status = 'waiting') != (new.status = 'waiting') OR old.book_id != new.book_id BEGIN
    UPDATE books SET on_shelf = on_shelf + 1 WHERE id = old.book_id AND old.status = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE old.book_id >= from_id);
    UPDATE books SET on_shelf = on_shelf - 1 WHERE id = new.book_id AND new.status = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.book_id >= from_id);
END;

-- Remembered searches are forgotten when the catalogue's version moves; a chunk moves it
-- once, at its end, not once a book.
DROP TRIGGER books_version_after_insert;
CREATE TRIGGER books_version_after_insert AFTER INSERT ON books
WHEN NOT EXISTS (SELECT 1 FROM import_chunk WHERE new.id >= from_id) BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;
