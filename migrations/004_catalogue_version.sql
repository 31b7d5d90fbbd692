-- A counter that moves with every change to the catalogue, so a remembered search result
-- (see models/search_pages.rs) can tell it is out of date, whichever process wrote.

CREATE TABLE catalogue_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);

CREATE TRIGGER books_version_after_insert AFTER INSERT ON books BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER books_version_after_update AFTER UPDATE ON books BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER books_version_after_delete AFTER DELETE ON books BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
END;
