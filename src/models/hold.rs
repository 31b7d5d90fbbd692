//! The holds table: each book's queue of members waiting for a copy.

use std::sync::LazyLock;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::Page;
use crate::db::unique_violation;
use crate::domain::{BookId, HoldId, ItemId, UserId};
use crate::error::{ApiResult, AppError};

/// `waiting` → `ready` (a copy is set aside) → `fulfilled` (borrowed); a hold may also end
/// `cancelled` by its holder or a librarian, or `expired` when a ready copy is not picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HoldStatus {
    Waiting,
    Ready,
    Fulfilled,
    Cancelled,
    Expired,
}

impl HoldStatus {
    pub fn parse(raw: &str) -> Result<HoldStatus, String> {
        match raw {
            "waiting" => Ok(HoldStatus::Waiting),
            "ready" => Ok(HoldStatus::Ready),
            "fulfilled" => Ok(HoldStatus::Fulfilled),
            "cancelled" => Ok(HoldStatus::Cancelled),
            "expired" => Ok(HoldStatus::Expired),
            _ => Err("must be one of waiting, ready, fulfilled, cancelled, expired".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Waiting => "waiting",
            HoldStatus::Ready => "ready",
            HoldStatus::Fulfilled => "fulfilled",
            HoldStatus::Cancelled => "cancelled",
            HoldStatus::Expired => "expired",
        }
    }

    /// Waiting and ready holds still claim a place in the queue or a copy.
    pub fn is_open(self) -> bool {
        matches!(self, HoldStatus::Waiting | HoldStatus::Ready)
    }
}

impl ToSql for HoldStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for HoldStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        HoldStatus::parse(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
    }
}

#[derive(Debug, Clone)]
pub struct Hold {
    pub id: HoldId,
    pub book_id: BookId,
    pub user_id: UserId,
    pub created_at: i64,
    pub status: HoldStatus,
    pub ready_until: Option<i64>,
    /// Where the hold stands in its book's queue: 1 for the next to get a copy, 2 behind
    /// it, and so on, while `waiting`; 0 once `ready` (it is past the queue, a copy is set
    /// aside); None when closed (fulfilled, cancelled, expired), as it is in no queue.
    pub position: Option<i64>,
    /// The copy kept on the hold shelf while the hold is ready.
    pub item_id: Option<ItemId>,
}

/// A hold's columns, its status read as of `now` (an SQL expression, such as a parameter):
/// a ready hold whose pickup time is over reads as `expired` before any write records it,
/// so listings never need the writer. Lending writes and the background sweep
/// (`services::sweep`) record the lapse. The queue is ordered by id, which grows with every
/// hold placed.
fn select_as_of(now: &str) -> String {
    let status = status_as_of(now);
    format!(
        "SELECT h.id, h.book_id, h.user_id, h.created_at, {status}, h.ready_until,
            CASE {status}
                WHEN 'waiting' THEN (SELECT COUNT(*) FROM holds q
                                     WHERE q.book_id = h.book_id AND q.status = 'waiting'
                                       AND q.id <= h.id)
                WHEN 'ready' THEN 0
            END,
            h.item_id
        FROM holds h"
    )
}

fn status_as_of(now: &str) -> String {
    format!(
        "CASE WHEN h.status = 'ready' AND h.ready_until <= {now} THEN 'expired' ELSE h.status END"
    )
}

/// Holds as recorded: with no clock (NULL) the comparison is never true. The lending code
/// reads them so, right after settling the book at its own `now`.
static SELECT: LazyLock<String> = LazyLock::new(|| select_as_of("NULL"));

impl Hold {
    fn from_row(row: &Row) -> rusqlite::Result<Hold> {
        Ok(Hold {
            id: row.get(0)?,
            book_id: row.get(1)?,
            user_id: row.get(2)?,
            created_at: row.get(3)?,
            status: row.get(4)?,
            ready_until: row.get(5)?,
            position: row.get(6)?,
            item_id: row.get(7)?,
        })
    }
}

pub fn find(conn: &Connection, id: HoldId) -> ApiResult<Option<Hold>> {
    Ok(conn
        .prepare_cached(&format!("{} WHERE h.id = ?1", *SELECT))?
        .query_row([id], Hold::from_row)
        .optional()?)
}

/// The user's waiting or ready hold on the book, if any.
pub fn find_open(conn: &Connection, user_id: UserId, book_id: BookId) -> ApiResult<Option<Hold>> {
    Ok(conn
        .prepare_cached(&format!(
            "{} WHERE h.user_id = ?1 AND h.book_id = ?2
             AND h.status IN ('waiting', 'ready')",
            *SELECT
        ))?
        .query_row(params![user_id, book_id], Hold::from_row)
        .optional()?)
}

/// Adds a waiting hold at the end of the book's queue.
pub fn insert(conn: &Connection, book_id: BookId, user_id: UserId, at: i64) -> ApiResult<Hold> {
    conn.prepare_cached("INSERT INTO holds (book_id, user_id, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![book_id, user_id, at])
        .map_err(|e| unique_violation(e, "book_id", "you already hold this book"))?;
    let id = HoldId::new(conn.last_insert_rowid());
    find(conn, id)?.ok_or_else(|| AppError::Internal("inserted hold vanished".into()))
}

/// Ends an open hold as fulfilled, cancelled or expired.
pub fn close(conn: &Connection, id: HoldId, status: HoldStatus, at: i64) -> ApiResult<()> {
    conn.prepare_cached(
        "UPDATE holds SET status = ?2, closed_at = ?3
         WHERE id = ?1 AND status IN ('waiting', 'ready')",
    )?
    .execute(params![id, status, at])?;
    Ok(())
}

/// Ready holds on the book whose pickup time has run out become expired, closed at the
/// moment they lapsed. Returns the copies they had kept on the hold shelf.
pub fn expire_lapsed(conn: &Connection, book_id: BookId, now: i64) -> ApiResult<Vec<ItemId>> {
    Ok(conn
        .prepare_cached(
            "UPDATE holds SET status = 'expired', closed_at = ready_until
             WHERE book_id = ?1 AND status = 'ready' AND ready_until <= ?2
             RETURNING item_id",
        )?
        .query_map(params![book_id, now], |r| r.get::<_, Option<ItemId>>(0))?
        .filter_map(Result::transpose)
        .collect::<rusqlite::Result<Vec<ItemId>>>()?)
}

/// The user's waiting and ready holds as of `now`, oldest first.
pub fn open_for_user(conn: &Connection, user_id: UserId, now: i64) -> ApiResult<Vec<Hold>> {
    let sql = format!(
        "{} WHERE h.user_id = ?1 AND {} IN ('waiting', 'ready') ORDER BY h.id",
        select_as_of("?2"),
        status_as_of("?2")
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![user_id, now], Hold::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Whether anyone holds the book (a waiting or ready hold, lapsed or not).
pub fn any_open(conn: &Connection, book_id: BookId) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM holds WHERE book_id = ?1 AND status IN ('waiting', 'ready'))",
        )?
        .query_row([book_id], |r| r.get(0))?)
}

/// The ready hold a copy is kept for, if any.
pub fn ready_for_item(conn: &Connection, item_id: ItemId) -> ApiResult<Option<Hold>> {
    Ok(conn
        .prepare_cached(&format!(
            "{} WHERE h.item_id = ?1 AND h.status = 'ready'",
            *SELECT
        ))?
        .query_row([item_id], Hold::from_row)
        .optional()?)
}

/// Takes a ready hold back into the queue, at its old place: its copy is gone (lost, say).
pub fn back_to_waiting(conn: &Connection, id: HoldId) -> ApiResult<()> {
    conn.prepare_cached(
        "UPDATE holds SET status = 'waiting', ready_until = NULL, item_id = NULL
         WHERE id = ?1 AND status = 'ready'",
    )?
    .execute([id])?;
    Ok(())
}

/// Ready holds on the book still within their pickup time: copies set aside.
pub fn count_ready(conn: &Connection, book_id: BookId, now: i64) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM holds
             WHERE book_id = ?1 AND status = 'ready' AND ready_until > ?2",
        )?
        .query_row(params![book_id, now], |r| r.get(0))?)
}

pub fn count_waiting(conn: &Connection, book_id: BookId) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM holds WHERE book_id = ?1 AND status = 'waiting'")?
        .query_row([book_id], |r| r.get(0))?)
}

/// Makes the first waiting hold on the book ready until `ready_until`, keeping `item_id`
/// for it; returns the hold, or None when no one waits.
pub fn promote(
    conn: &Connection,
    book_id: BookId,
    item_id: ItemId,
    ready_until: i64,
) -> ApiResult<Option<HoldId>> {
    Ok(conn
        .prepare_cached(
            "UPDATE holds SET status = 'ready', ready_until = ?3, item_id = ?2
             WHERE id = (SELECT id FROM holds WHERE book_id = ?1 AND status = 'waiting'
                         ORDER BY id LIMIT 1)
             RETURNING id",
        )?
        .query_row(params![book_id, item_id, ready_until], |r| r.get(0))
        .optional()?)
}

/// Open holds of the user as of `now`: waiting, or ready with pickup time left.
pub fn count_open_for_user(conn: &Connection, user_id: UserId, now: i64) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM holds WHERE user_id = ?1
             AND (status = 'waiting' OR (status = 'ready' AND ready_until > ?2))",
        )?
        .query_row(params![user_id, now], |r| r.get(0))?)
}

/// Books whose holds the clock or the shelf has moved on since they were last settled: a
/// ready hold has lapsed, or a copy is on the shelf while readers wait (an upgraded
/// database, say). A read, so the background sweep takes the writer only when needed.
pub fn books_to_settle(conn: &Connection, now: i64) -> ApiResult<Vec<BookId>> {
    let books = conn
        .prepare_cached(
            "SELECT book_id FROM holds WHERE status = 'ready' AND ready_until <= ?1
             UNION
             SELECT DISTINCT h.book_id FROM holds h
             WHERE h.status = 'waiting'
               AND EXISTS (SELECT 1 FROM items i
                           WHERE i.book_id = h.book_id AND i.status = 'available')",
        )?
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<BookId>>>()?;
    Ok(books)
}

/// What a hold listing may be narrowed to; None means "any".
#[derive(Debug, Clone, Copy, Default)]
pub struct HoldFilter {
    pub user_id: Option<UserId>,
    pub book_id: Option<BookId>,
    pub status: Option<HoldStatus>,
}

/// Matching holds by id, one page, and how many match in all, with statuses as of `now`.
pub fn list(
    conn: &Connection,
    filter: HoldFilter,
    now: i64,
    page: Page,
) -> ApiResult<(Vec<Hold>, i64)> {
    let matches = format!(
        "(?1 IS NULL OR h.user_id = ?1)
         AND (?2 IS NULL OR h.book_id = ?2)
         AND (?3 IS NULL OR {} = ?3)",
        status_as_of("?4")
    );
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM holds h WHERE {matches}"))?
        .query_row(
            params![filter.user_id, filter.book_id, filter.status, now],
            |r| r.get(0),
        )?;
    let sql = format!(
        "{} WHERE {matches} ORDER BY h.id LIMIT ?5 OFFSET ?6",
        select_as_of("?4")
    );
    let holds = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                filter.user_id,
                filter.book_id,
                filter.status,
                now,
                page.limit(),
                page.offset()
            ],
            Hold::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((holds, total))
}
