//! The books table, with its tag rows and full-text index (both kept in step by triggers).

use std::sync::LazyLock;

use rusqlite::types::{Type, Value};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::item::COPIES_OF_B;
use super::now;
use crate::db::unique_violation;
use crate::domain::book::{BookData, Field, FieldValue, Kind, FIELDS};
use crate::domain::{BookId, Isbn13};
use crate::error::{ApiResult, AppError};

mod search;
pub mod tag_sets;

pub use search::{
    list, match_expression, Listing, Search, SearchText, SortKey, ANSWERED, MAX_DEPTH,
};

/// A stored book: its fields (`BookData`, described by `FIELDS`) and what the server keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    pub id: BookId,
    pub data: BookData,
    pub available: i64,
    pub cover_file: Option<String>,
    pub created_at: i64,
    pub modified_at: i64,
}

/// Copies on the shelf for anyone: `on_shelf` (its items on the shelf less the readers
/// waiting, kept by triggers, migration 009), plus those a lapsed ready hold still keeps
/// (the sweep returns them within a minute). The lending code decides with the same items,
/// so what a listing says is what a borrower meets.
const AVAILABLE: &str = "MAX(0, b.on_shelf
    + (SELECT COUNT(*) FROM holds h
       WHERE h.book_id = b.id AND h.status = 'ready' AND h.ready_until <= unixepoch()))";

/// "available > 0", cheaply: `on_shelf` says so for nearly every book, read from the
/// sort index that carries it; only a book with a lapsed ready hold needs the full count.
static IS_AVAILABLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "(b.on_shelf > 0
          OR (b.id IN (SELECT book_id FROM holds
                       WHERE status = 'ready' AND ready_until <= unixepoch())
              AND {AVAILABLE} > 0))"
    )
});

/// Every column a book is read from, in the order `Book::from_row` reads them: the
/// server's own (`available` worked out), then each field in `FIELDS` order, with `copies`
/// counted from the items.
static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let fields: Vec<String> = FIELDS
        .iter()
        .map(|field| match stored(&field) {
            true => format!("b.{}", field.name),
            false => COPIES_OF_B.to_string(),
        })
        .collect();
    format!(
        "b.id, {AVAILABLE}, b.cover_file, b.created_at, b.modified_at, {}",
        fields.join(", ")
    )
});

/// Where the fields start in `COLUMNS`.
const FIRST_FIELD: usize = 5;

/// Fields kept in the books table: all but `copies`, which the items are (see
/// `services::copies`).
fn stored(field: &&Field) -> bool {
    field.name != "copies"
}

/// A field's value as SQLite stores it: tags as a JSON array, the ISBN as its 13 digits.
fn to_sql(value: FieldValue) -> ApiResult<Value> {
    Ok(match value {
        FieldValue::Text(text) => text.map_or(Value::Null, Value::Text),
        FieldValue::Number(number) => number.map_or(Value::Null, Value::Integer),
        FieldValue::Isbn(isbn) => isbn.map_or(Value::Null, |i| Value::Text(i.to_string())),
        FieldValue::Tags(tags) => Value::Text(
            serde_json::to_string(&tags).map_err(|e| AppError::Internal(format!("tags: {e}")))?,
        ),
    })
}

/// The value of `field`, read from column `at` of `row`.
fn from_sql(row: &Row, field: &Field, at: usize) -> rusqlite::Result<FieldValue> {
    let bad = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(at, Type::Text, e)
    };
    Ok(match field.kind {
        Kind::Text { .. } => FieldValue::Text(row.get(at)?),
        Kind::Number { .. } => FieldValue::Number(row.get(at)?),
        Kind::Isbn => match row.get::<_, Option<String>>(at)? {
            Some(isbn) => {
                FieldValue::Isbn(Some(Isbn13::from_stored(isbn).map_err(|e| bad(e.into()))?))
            }
            None => FieldValue::Isbn(None),
        },
        Kind::Tags => {
            let tags: String = row.get(at)?;
            FieldValue::Tags(serde_json::from_str(&tags).map_err(|e| bad(e.into()))?)
        }
    })
}

impl Book {
    /// A row of `COLUMNS`, read by position: by name, each value was a search through
    /// the statement's column names, a third of the time a search's page took.
    fn from_row(row: &Row) -> rusqlite::Result<Book> {
        let data = BookData::build(|field| {
            let at = FIELDS
                .iter()
                .position(|f| f.name == field.name)
                .ok_or("no such field")?;
            from_sql(row, field, FIRST_FIELD + at).map_err(|e| e.to_string())
        })
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Null, e.into()))?;
        Ok(Book {
            id: row.get(0)?,
            data,
            available: row.get(1)?,
            cover_file: row.get(2)?,
            created_at: row.get(3)?,
            modified_at: row.get(4)?,
        })
    }

    /// The book's fields as input, to be changed and written back.
    pub fn data(&self) -> ApiResult<BookData> {
        Ok(self.data.clone())
    }
}

/// The field values of `data`, in `FIELDS` order, as SQLite stores them.
fn field_values(data: &BookData) -> ApiResult<Vec<Value>> {
    FIELDS
        .iter()
        .filter(stored)
        .map(|field| to_sql((field.get)(data)))
        .collect()
}

/// `INSERT INTO books (<every field>, created_at, modified_at, on_shelf) VALUES (?1, …)`.
static INSERT: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = FIELDS.iter().filter(stored).map(|f| f.name).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let at = names.len() + 1;
    format!(
        "INSERT INTO books ({}, created_at, modified_at, on_shelf) VALUES ({}, ?{at}, ?{at}, ?{})",
        names.join(", "),
        marks.join(", "),
        at + 1
    )
});

/// `UPDATE books SET <field> = ?2, …, modified_at = ? WHERE id = ?1`.
static UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = FIELDS
        .iter()
        .filter(stored)
        .enumerate()
        .map(|(i, f)| format!("{} = ?{}", f.name, i + 2))
        .collect();
    format!(
        "UPDATE books SET {}, modified_at = ?{} WHERE id = ?1",
        sets.join(", "),
        sets.len() + 2
    )
});

const DUPLICATE_ISBN: &str = "is already in the catalogue";

/// Inserts a book and returns its id. Its copies, added next, raise its `on_shelf`.
pub fn insert(conn: &Connection, data: &BookData) -> ApiResult<BookId> {
    insert_shelved(conn, data, 0)
}

/// Inserts a book of an import's chunk (see `start_chunk`), its `on_shelf` already
/// counting the `data.copies` it is about to get: `catch_up_chunk` then has no need to
/// rewrite the row and the four sort indexes that carry the count, and corrects it where
/// the guess was wrong.
pub fn insert_in_chunk(conn: &Connection, data: &BookData) -> ApiResult<BookId> {
    insert_shelved(conn, data, data.copies.max(0))
}

fn insert_shelved(conn: &Connection, data: &BookData, on_shelf: i64) -> ApiResult<BookId> {
    let mut values = field_values(data)?;
    values.push(Value::Integer(now()));
    values.push(Value::Integer(on_shelf));
    conn.prepare_cached(&INSERT)?
        .execute(params_from_iter(values))
        .map_err(|e| unique_violation(e, "isbn", DUPLICATE_ISBN))?;
    Ok(BookId::new(conn.last_insert_rowid()))
}

/// Leaves the upkeep of the books this transaction creates from now on (their `on_shelf`
/// and their place in the full-text index) to `catch_up_chunk` (migration 012): a bulk
/// import does it once for a chunk of books instead of once per book and per copy.
pub fn start_chunk(conn: &Connection) -> ApiResult<()> {
    conn.prepare_cached(
        "INSERT INTO import_chunk (one, from_id)
         VALUES (1, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'books'), 0) + 1)",
    )?
    .execute([])?;
    Ok(())
}

/// Sets `on_shelf` of the books created since `start_chunk` and indexes them, as they now
/// are (in one statement: FTS5 writes one segment), moves the catalogue's version, then
/// ends the chunk.
pub fn catch_up_chunk(conn: &Connection) -> ApiResult<()> {
    conn.prepare_cached(
        "UPDATE books SET on_shelf = shelf.count
         FROM (SELECT b.id,
                      (SELECT COUNT(*) FROM items i
                       WHERE i.book_id = b.id AND i.status = 'available')
                    - (SELECT COUNT(*) FROM holds h
                       WHERE h.book_id = b.id AND h.status = 'waiting') AS count
               FROM books b WHERE b.id >= (SELECT from_id FROM import_chunk)) AS shelf
         WHERE books.id = shelf.id AND books.on_shelf IS NOT shelf.count",
    )?
    .execute([])?;
    conn.prepare_cached(
        "INSERT INTO books_fts (rowid, title, author, description, tags, isbn, subtitle, series)
         SELECT id, title, author, description, tags, isbn, subtitle, series FROM books
         WHERE id >= (SELECT from_id FROM import_chunk)",
    )?
    .execute([])?;
    conn.prepare_cached("UPDATE catalogue_version SET version = version + 1 WHERE id = 1")?
        .execute([])?;
    conn.prepare_cached("DELETE FROM import_chunk")?
        .execute([])?;
    Ok(())
}

/// Replaces every client-settable field of book `id`.
pub fn update(conn: &Connection, id: BookId, data: &BookData) -> ApiResult<()> {
    let mut values = vec![Value::Integer(id.get())];
    values.extend(field_values(data)?);
    values.push(Value::Integer(now()));
    conn.prepare_cached(&UPDATE)?
        .execute(params_from_iter(values))
        .map_err(|e| unique_violation(e, "isbn", DUPLICATE_ISBN))?;
    Ok(())
}

fn find_where(
    conn: &Connection,
    condition: &str,
    value: &dyn rusqlite::ToSql,
) -> ApiResult<Option<Book>> {
    let sql = format!("SELECT {} FROM books b WHERE {condition}", *COLUMNS);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([value], Book::from_row)
        .optional()?)
}

pub fn find(conn: &Connection, id: BookId) -> ApiResult<Option<Book>> {
    find_where(conn, "b.id = ?1", &id)
}

pub fn find_by_isbn(conn: &Connection, isbn: &Isbn13) -> ApiResult<Option<Book>> {
    find_where(conn, "b.isbn = ?1", &isbn.as_str())
}

/// The book's title, or None when there is no such book: for lists that name books.
pub fn title(conn: &Connection, id: BookId) -> ApiResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT title FROM books WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Copies of book `id` out on loan now.
pub fn active_loans(conn: &Connection, id: BookId) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM loans WHERE book_id = ?1 AND returned_at IS NULL")?
        .query_row([id], |r| r.get(0))?)
}

/// Deletes the book (its loan history and holds go with it by cascade).
pub fn delete(conn: &Connection, id: BookId) -> ApiResult<bool> {
    Ok(conn.execute("DELETE FROM books WHERE id = ?1", [id])? > 0)
}

/// Points the book at a new cover; returns None for an unknown book, else the cover
/// file it replaces (if any).
pub fn set_cover(
    conn: &Connection,
    id: BookId,
    cover_file: &str,
) -> ApiResult<Option<Option<String>>> {
    let Some(book) = find(conn, id)? else {
        return Ok(None);
    };
    conn.execute(
        "UPDATE books SET cover_file = ?2, modified_at = ?3 WHERE id = ?1",
        params![id, cover_file, now()],
    )?;
    Ok(Some(book.cover_file))
}

pub fn count(conn: &Connection) -> ApiResult<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM books", [], |r| r.get(0))?)
}

/// Calls `each` with every book, by id, without holding them all in memory.
pub fn for_each(conn: &Connection, mut each: impl FnMut(&Book) -> ApiResult<()>) -> ApiResult<()> {
    let sql = format!("SELECT {} FROM books b ORDER BY b.id", *COLUMNS);
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        each(&Book::from_row(row)?)?;
    }
    Ok(())
}
