//! Ranked book ids of recent searches, remembered per connection in a TEMP table.
//!
//! Ranking a common word means scoring every match (bm25 over ~7,600 rows of 100,000 books
//! takes ~20 ms) to keep twenty. The order depends on the catalogue alone, so it is kept,
//! tagged with `catalogue_version` (moved by a trigger on every change to books, from any
//! process), and used again only while that version stands. The books themselves are
//! always read fresh, so `available` is never stale.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::BookId;
use crate::error::ApiResult;

/// Searches kept per connection; older ones are dropped (at most ~8 KiB each).
const KEPT_SEARCHES: i64 = 64;

pub fn catalogue_version(conn: &Connection) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT version FROM catalogue_version WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

fn ensure_table(conn: &Connection) -> ApiResult<()> {
    conn.prepare_cached(
        "CREATE TEMP TABLE IF NOT EXISTS search_pages (
             key     TEXT    PRIMARY KEY,
             version INTEGER NOT NULL,
             total   INTEGER NOT NULL,
             ids     BLOB    NOT NULL
         )",
    )?
    .execute([])?;
    Ok(())
}

/// The total and leading ids stored for `key` at `version`, if any.
pub fn get(conn: &Connection, key: &str, version: i64) -> ApiResult<Option<(i64, Vec<BookId>)>> {
    ensure_table(conn)?;
    let found = conn
        .prepare_cached("SELECT total, ids FROM temp.search_pages WHERE key = ?1 AND version = ?2")?
        .query_row(params![key, version], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    Ok(found.map(|(total, bytes)| {
        let ids = bytes
            .chunks_exact(8)
            .map(|c| BookId::new(i64::from_le_bytes(c.try_into().unwrap_or_default())))
            .collect();
        (total, ids)
    }))
}

/// Remembers `total` and the leading `ids` of `key`, as read at `version` (read before the
/// search ran, so a change landing meanwhile makes this entry old, never wrong).
pub fn put(
    conn: &Connection,
    key: &str,
    version: i64,
    total: i64,
    ids: &[BookId],
) -> ApiResult<()> {
    ensure_table(conn)?;
    let bytes: Vec<u8> = ids.iter().flat_map(|id| id.get().to_le_bytes()).collect();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO temp.search_pages (key, version, total, ids)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![key, version, total, bytes])?;
    conn.prepare_cached("DELETE FROM temp.search_pages WHERE rowid <= last_insert_rowid() - ?1")?
        .execute([KEPT_SEARCHES])?;
    Ok(())
}
