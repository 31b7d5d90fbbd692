-- Loans and holds. A user's or a book's history goes with them (the server refuses to
-- delete either while a copy is out).

CREATE TABLE loans (
    id          INTEGER PRIMARY KEY,
    book_id     INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    borrowed_at INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    returned_at INTEGER,                       -- NULL while the copy is out
    renewals    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX loans_book_out ON loans(book_id) WHERE returned_at IS NULL;
CREATE INDEX loans_user ON loans(user_id, returned_at);
CREATE INDEX loans_due_out ON loans(due_at) WHERE returned_at IS NULL;
-- A user has at most one copy of a book out; the lending service checks first, this is the backstop.
CREATE UNIQUE INDEX loans_one_out ON loans(book_id, user_id) WHERE returned_at IS NULL;

CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    book_id     INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'ready', 'fulfilled', 'cancelled', 'expired')),
    ready_until INTEGER,                       -- set when the hold becomes ready
    closed_at   INTEGER                        -- set when fulfilled, cancelled or expired
);
CREATE INDEX holds_queue ON holds(book_id, status, id);
CREATE INDEX holds_user ON holds(user_id, status);
-- At most one open hold per user and book.
CREATE UNIQUE INDEX holds_one_open ON holds(book_id, user_id) WHERE status IN ('waiting', 'ready');
