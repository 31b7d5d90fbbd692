-- The reader's page: the catalogue is filtered by language, and each member chooses for
-- themselves whether their returned loans stay linked to them as a reading history (the
-- library must allow it too; see the `reading_history` setting).
CREATE INDEX books_language ON books(language COLLATE NOCASE);
ALTER TABLE users ADD COLUMN keeps_history INTEGER NOT NULL DEFAULT 0
    CHECK (keeps_history IN (0, 1));
