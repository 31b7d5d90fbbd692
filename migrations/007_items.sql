-- Copies you can scan: every physical copy of a book becomes an item with its own barcode,
-- and members gain what the desk needs (full name, card number, group).
--
-- A book with N copies gets N items with generated barcodes (000001, 000002, … across the
-- whole library). Each open loan is attached to one of its book's items (now `on_loan`)
-- and each ready hold to the next (now `on_hold_shelf`, reserved for its holder); the rest
-- are `available`. An old release could lend more copies than a book had: such a book gets
-- extra items, flagged `needs_review`, rather than a loan without a copy.
--
-- `books.copies` goes: a book's copies are its items neither withdrawn, lost nor missing,
-- counted when read. No table is rebuilt, but rows move, so this step runs as a checked
-- one: a backup first, then foreign_key_check and integrity_check.

CREATE TABLE items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    book_id      INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
    barcode      TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    -- Where the copy stands, when not where the book's call number says.
    location     TEXT,
    status       TEXT    NOT NULL DEFAULT 'available'
                 CHECK (status IN ('available', 'on_loan', 'on_hold_shelf', 'in_transit',
                                   'in_repair', 'lost', 'missing', 'withdrawn')),
    acquired_on  TEXT,                        -- YYYY-MM-DD
    price_cents  INTEGER CHECK (price_cents >= 0),
    note         TEXT,
    -- Made by an upgrade to cover a loan the old copy count could not: check it by hand.
    needs_review INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL
);
CREATE INDEX items_book_status ON items(book_id, status);

ALTER TABLE loans ADD COLUMN item_id INTEGER REFERENCES items(id) ON DELETE CASCADE;
CREATE INDEX loans_item_out ON loans(item_id) WHERE returned_at IS NULL;
-- loans_one_out (book_id, user_id) answers "loans out of this book" as well; one index
-- fewer to write on every loan and return.
DROP INDEX loans_book_out;
-- The copy kept on the hold shelf for a ready hold.
ALTER TABLE holds ADD COLUMN item_id INTEGER REFERENCES items(id) ON DELETE SET NULL;
CREATE INDEX holds_item ON holds(item_id) WHERE item_id IS NOT NULL;

ALTER TABLE users ADD COLUMN full_name TEXT;
ALTER TABLE users ADD COLUMN card_number TEXT COLLATE NOCASE;
ALTER TABLE users ADD COLUMN group_name TEXT;
CREATE UNIQUE INDEX users_card_number ON users(card_number) WHERE card_number IS NOT NULL;
CREATE INDEX users_group_name ON users(group_name COLLATE NOCASE);
CREATE INDEX users_full_name ON users(full_name COLLATE NOCASE);

-- How many items each book needs, and which of them are out.
CREATE TEMP TABLE upgrade_need AS
SELECT b.id AS book_id,
       b.copies AS copies,
       (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL) AS out,
       (SELECT COUNT(*) FROM holds h WHERE h.book_id = b.id AND h.status = 'ready') AS ready
FROM books b;

-- One row per item to make: its place among its book's items and in the whole library.
CREATE TEMP TABLE upgrade_slots AS
WITH RECURSIVE slot(book_id, n, total) AS (
    SELECT book_id, 1, MAX(copies, out + ready) FROM upgrade_need
    WHERE MAX(copies, out + ready) >= 1
    UNION ALL
    SELECT book_id, n + 1, total FROM slot WHERE n < total
)
SELECT s.book_id, s.n, u.copies, u.out, u.ready,
       printf('%06d', ROW_NUMBER() OVER (ORDER BY s.book_id, s.n)) AS barcode
FROM slot s JOIN upgrade_need u ON u.book_id = s.book_id;
CREATE INDEX temp.upgrade_slots_place ON upgrade_slots(book_id, n);

INSERT INTO items (book_id, barcode, status, needs_review, note, created_at, modified_at)
SELECT book_id, barcode,
       CASE WHEN n <= out THEN 'on_loan'
            WHEN n <= out + ready THEN 'on_hold_shelf'
            ELSE 'available' END,
       n > copies,
       CASE WHEN n > copies
            THEN 'Made by the upgrade: more copies were out than the book''s copy count' END,
       unixepoch(), unixepoch()
FROM upgrade_slots ORDER BY book_id, n;

-- Open loans take their book's first items, in the order they were lent; ready holds the next.
UPDATE loans SET item_id = (
    SELECT i.id FROM upgrade_slots s JOIN items i ON i.barcode = s.barcode
    WHERE s.book_id = loans.book_id
      AND s.n = (SELECT COUNT(*) FROM loans o
                 WHERE o.book_id = loans.book_id AND o.returned_at IS NULL AND o.id <= loans.id)
) WHERE returned_at IS NULL;

UPDATE holds SET item_id = (
    SELECT i.id FROM upgrade_slots s JOIN items i ON i.barcode = s.barcode
    WHERE s.book_id = holds.book_id
      AND s.n = s.out + (SELECT COUNT(*) FROM holds o
                         WHERE o.book_id = holds.book_id AND o.status = 'ready' AND o.id <= holds.id)
) WHERE status = 'ready';

DROP TABLE upgrade_slots;
DROP TABLE upgrade_need;

-- Every member gets a card number: P and their id, six digits at least.
UPDATE users SET card_number = printf('P%06d', id);

INSERT OR REPLACE INTO settings (key, value)
VALUES ('next_item_number', (SELECT COUNT(*) + 1 FROM items)),
       ('next_card_number', (SELECT COALESCE(MAX(id), 0) + 1 FROM users));

-- A book's copies are now counted from its items (models/item.rs), never stored twice.
ALTER TABLE books DROP COLUMN copies;
