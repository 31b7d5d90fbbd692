//! The items table: the physical copies of each book, each with its barcode and status.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{now, setting};
use crate::db::unique_violation;
use crate::domain::item::{Barcode, ItemStatus};
use crate::domain::{BookId, ItemId, UserId};
use crate::error::{ApiResult, AppError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: ItemId,
    pub book_id: BookId,
    pub barcode: String,
    pub location: Option<String>,
    pub status: ItemStatus,
    pub acquired_on: Option<String>,
    pub price_cents: Option<i64>,
    pub note: Option<String>,
    pub needs_review: bool,
    pub created_at: i64,
    pub modified_at: i64,
}

impl Item {
    fn from_row(row: &Row) -> rusqlite::Result<Item> {
        Ok(Item {
            id: row.get("id")?,
            book_id: row.get("book_id")?,
            barcode: row.get("barcode")?,
            location: row.get("location")?,
            status: row.get("status")?,
            acquired_on: row.get("acquired_on")?,
            price_cents: row.get("price_cents")?,
            note: row.get("note")?,
            needs_review: row.get("needs_review")?,
            created_at: row.get("created_at")?,
            modified_at: row.get("modified_at")?,
        })
    }
}

impl ToSql for ItemStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for ItemStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        ItemStatus::parse(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
    }
}

/// A book's copies: its items neither withdrawn, lost nor missing (`ItemStatus::is_copy`).
pub const COPIES_OF_B: &str = "(SELECT COUNT(*) FROM items i WHERE i.book_id = b.id
      AND i.status NOT IN ('withdrawn', 'lost', 'missing'))";

/// What a new item or a change to one carries besides its book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFields {
    pub location: Option<String>,
    pub acquired_on: Option<String>,
    pub price_cents: Option<i64>,
    pub note: Option<String>,
}

pub fn find(conn: &Connection, id: ItemId) -> ApiResult<Option<Item>> {
    Ok(conn
        .prepare_cached("SELECT * FROM items WHERE id = ?1")?
        .query_row([id], Item::from_row)
        .optional()?)
}

/// Any letter case (the column's collation).
pub fn find_by_barcode(conn: &Connection, barcode: &str) -> ApiResult<Option<Item>> {
    Ok(conn
        .prepare_cached("SELECT * FROM items WHERE barcode = ?1")?
        .query_row([barcode.trim()], Item::from_row)
        .optional()?)
}

/// Every item of the book, withdrawn ones too, by id.
pub fn for_book(conn: &Connection, book_id: BookId) -> ApiResult<Vec<Item>> {
    Ok(conn
        .prepare_cached("SELECT * FROM items WHERE book_id = ?1 ORDER BY id")?
        .query_map([book_id], Item::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The shelves (locations) the book's free copies stand on, in order, each once.
pub fn shelves(conn: &Connection, book_id: BookId) -> ApiResult<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT DISTINCT location FROM items
             WHERE book_id = ?1 AND status = 'available' AND location IS NOT NULL
             ORDER BY location",
        )?
        .query_map([book_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?)
}

/// Puts every copy of the book on one shelf (the demo library's shelf marks).
pub fn shelve_all(conn: &Connection, book_id: BookId, location: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE items SET location = ?2 WHERE book_id = ?1",
        params![book_id, location],
    )?;
    Ok(())
}

/// A copy as readers see it: where it belongs, its status, and when it is due back if it
/// is on loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenCopy {
    pub location: Option<String>,
    pub status: ItemStatus,
    pub due_at: Option<i64>,
}

/// The book's copies a reader may know of, oldest first: withdrawn, lost and missing ones
/// are left out.
pub fn seen_by_readers(conn: &Connection, book_id: BookId) -> ApiResult<Vec<SeenCopy>> {
    Ok(conn
        .prepare_cached(
            "SELECT i.location, i.status, l.due_at FROM items i
             LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL
             WHERE i.book_id = ?1 AND i.status NOT IN ('withdrawn', 'lost', 'missing')
             ORDER BY i.id",
        )?
        .query_map([book_id], |row| {
            Ok(SeenCopy {
                location: row.get("location")?,
                status: row.get("status")?,
                due_at: row.get("due_at")?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many of the book's items have each status.
pub fn count(conn: &Connection, book_id: BookId, status: ItemStatus) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM items WHERE book_id = ?1 AND status = ?2")?
        .query_row(params![book_id, status], |r| r.get(0))?)
}

/// The book's copies (see `COPIES_OF_B`).
pub fn copies(conn: &Connection, book_id: BookId) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM items WHERE book_id = ?1
             AND status NOT IN ('withdrawn', 'lost', 'missing')",
        )?
        .query_row([book_id], |r| r.get(0))?)
}

/// The book's available item longest on the shelf (lowest id), if any.
pub fn first_available(conn: &Connection, book_id: BookId) -> ApiResult<Option<Item>> {
    Ok(conn
        .prepare_cached(
            "SELECT * FROM items WHERE book_id = ?1 AND status = 'available' ORDER BY id LIMIT 1",
        )?
        .query_row([book_id], Item::from_row)
        .optional()?)
}

/// The book's available items, newest first: the ones withdrawn first when copies drop.
pub fn newest_available(conn: &Connection, book_id: BookId, how_many: i64) -> ApiResult<Vec<Item>> {
    Ok(conn
        .prepare_cached(
            "SELECT * FROM items WHERE book_id = ?1 AND status = 'available'
             ORDER BY id DESC LIMIT ?2",
        )?
        .query_map(params![book_id, how_many], Item::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn set_status(conn: &Connection, id: ItemId, status: ItemStatus) -> ApiResult<()> {
    conn.prepare_cached("UPDATE items SET status = ?2, modified_at = ?3 WHERE id = ?1")?
        .execute(params![id, status, now()])?;
    Ok(())
}

const TAKEN: &str = "is already the barcode of another copy";

/// A code that is already a patron's card cannot also label a copy: the desk could not
/// tell which was scanned.
fn refuse_card_number(conn: &Connection, barcode: &Barcode) -> ApiResult<()> {
    let card: Option<UserId> = conn
        .prepare_cached("SELECT id FROM users WHERE card_number = ?1")?
        .query_row([barcode.as_str()], |r| r.get(0))
        .optional()?;
    match card {
        Some(_) => Err(AppError::conflict(
            "barcode",
            format!("{barcode} is a patron's card number, not free for a copy"),
        )),
        None => Ok(()),
    }
}

/// The next free barcode of the library's sequence: `prefix` and a number counted up in
/// `settings`, skipping any a label typed in by hand has taken.
pub fn next_barcode(conn: &Connection, prefix: &str) -> ApiResult<Barcode> {
    let mut codes = next_barcodes(conn, prefix, 1)?;
    codes
        .pop()
        .ok_or_else(|| AppError::Internal("no barcode made".into()))
}

/// The next `count` free barcodes of the sequence (see `next_barcode`), the counter read
/// and written once.
pub fn next_barcodes(conn: &Connection, prefix: &str, count: usize) -> ApiResult<Vec<Barcode>> {
    let mut number = setting::next_number(conn, "next_item_number")?;
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count {
        let barcode = Barcode::numbered(prefix, number)
            .map_err(|e| AppError::Internal(format!("item barcode prefix: {e}")))?;
        number += 1;
        if barcode_free(conn, &barcode)? {
            codes.push(barcode);
        }
    }
    setting::set_number(conn, "next_item_number", number)?;
    Ok(codes)
}

/// Whether no copy and no patron's card carries `barcode`.
fn barcode_free(conn: &Connection, barcode: &Barcode) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT NOT EXISTS(SELECT 1 FROM items WHERE barcode = ?1)
                AND NOT EXISTS(SELECT 1 FROM users WHERE card_number = ?1)",
        )?
        .query_row([barcode.as_str()], |r| r.get(0))?)
}

/// Adds an item to the book, available, with the given barcode.
pub fn insert(
    conn: &Connection,
    book_id: BookId,
    barcode: &Barcode,
    fields: &ItemFields,
) -> ApiResult<Item> {
    let id = add(conn, book_id, barcode, fields)?;
    find(conn, id)?.ok_or_else(|| AppError::Internal("inserted item vanished".into()))
}

/// `insert` for callers that need only the new item's id: an import adds hundreds of
/// thousands of copies, and reading each back cost a tenth of its time.
pub fn add(
    conn: &Connection,
    book_id: BookId,
    barcode: &Barcode,
    fields: &ItemFields,
) -> ApiResult<ItemId> {
    refuse_card_number(conn, barcode)?;
    add_unchecked(conn, book_id, barcode, fields)
}

/// Adds an item with a barcode `next_barcodes` gave, which has checked it is no card.
pub fn add_numbered(conn: &Connection, book_id: BookId, barcode: &Barcode) -> ApiResult<ItemId> {
    add_unchecked(conn, book_id, barcode, &ItemFields::default())
}

fn add_unchecked(
    conn: &Connection,
    book_id: BookId,
    barcode: &Barcode,
    fields: &ItemFields,
) -> ApiResult<ItemId> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO items (book_id, barcode, location, acquired_on, price_cents, note,
                            created_at, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        book_id,
        barcode.as_str(),
        fields.location,
        fields.acquired_on,
        fields.price_cents,
        fields.note,
        at
    ])
    .map_err(|e| unique_violation(e, "barcode", TAKEN))?;
    Ok(ItemId::new(conn.last_insert_rowid()))
}

/// Replaces the item's barcode and descriptive fields; its status is lending's to change.
pub fn update(
    conn: &Connection,
    id: ItemId,
    barcode: &Barcode,
    fields: &ItemFields,
) -> ApiResult<()> {
    if let Some(other) = find_by_barcode(conn, barcode.as_str())? {
        if other.id != id {
            return Err(AppError::conflict("barcode", TAKEN));
        }
    }
    refuse_card_number(conn, barcode)?;
    conn.execute(
        "UPDATE items SET barcode = ?2, location = ?3, acquired_on = ?4, price_cents = ?5,
                          note = ?6, needs_review = 0, modified_at = ?7
         WHERE id = ?1",
        params![
            id,
            barcode.as_str(),
            fields.location,
            fields.acquired_on,
            fields.price_cents,
            fields.note,
            now()
        ],
    )
    .map_err(|e| unique_violation(e, "barcode", TAKEN))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(conn: &Connection) -> BookId {
        conn.execute(
            "INSERT INTO books (title, author, created_at, modified_at) VALUES ('T', 'A', 0, 0)",
            [],
        )
        .unwrap();
        BookId::new(conn.last_insert_rowid())
    }

    #[test]
    fn barcodes_are_numbered_unique_and_skip_taken_ones() {
        let conn = crate::db::open_migrated_in_memory().unwrap();
        let id = book(&conn);
        let first = next_barcode(&conn, "").unwrap();
        assert_eq!(first.as_str(), "000001");
        insert(&conn, id, &first, &ItemFields::default()).unwrap();
        let typed = Barcode::parse("000002").unwrap();
        insert(&conn, id, &typed, &ItemFields::default()).unwrap();
        assert_eq!(next_barcode(&conn, "").unwrap().as_str(), "000003");
        assert_eq!(next_barcode(&conn, "LIB").unwrap().as_str(), "LIB000004");
        let again = Barcode::parse("000001").unwrap();
        assert!(matches!(
            insert(&conn, id, &again, &ItemFields::default()),
            Err(AppError::Conflict(_))
        ));
        assert_eq!(copies(&conn, id).unwrap(), 2);
        let first = find_by_barcode(&conn, "000001").unwrap().unwrap();
        set_status(&conn, first.id, ItemStatus::Lost).unwrap();
        assert_eq!(copies(&conn, id).unwrap(), 1);
        assert_eq!(count(&conn, id, ItemStatus::Available).unwrap(), 1);
    }
}
