//! The loans table, and the little of `books` that lending needs.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::item::Item;
use super::Page;
use crate::db::unique_violation;
use crate::domain::{BookId, ItemId, LoanId, UserId};
use crate::error::{ApiResult, AppError};

/// A loan's state is not stored: it follows from `returned_at`, `due_at` and the clock,
/// so it can never disagree with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LoanStatus {
    Active,
    Overdue,
    Returned,
}

impl LoanStatus {
    pub fn parse(raw: &str) -> Result<LoanStatus, String> {
        match raw {
            "active" => Ok(LoanStatus::Active),
            "overdue" => Ok(LoanStatus::Overdue),
            "returned" => Ok(LoanStatus::Returned),
            _ => Err("must be one of active, overdue, returned".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LoanStatus::Active => "active",
            LoanStatus::Overdue => "overdue",
            LoanStatus::Returned => "returned",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Loan {
    pub id: LoanId,
    pub book_id: BookId,
    /// None once the loan is anonymised (returned long enough ago, or its reader erased).
    pub user_id: Option<UserId>,
    pub borrowed_at: i64,
    pub due_at: i64,
    pub returned_at: Option<i64>,
    pub renewals: i64,
    /// The copy lent; None only for loans returned before copies had barcodes.
    pub item_id: Option<ItemId>,
    /// The copy's barcode, read with the loan.
    pub barcode: Option<String>,
}

const COLUMNS: &str = "id, book_id, user_id, borrowed_at, due_at, returned_at, renewals, item_id,
    (SELECT barcode FROM items WHERE items.id = loans.item_id) AS barcode";

impl Loan {
    fn from_row(row: &Row) -> rusqlite::Result<Loan> {
        Ok(Loan {
            id: row.get(0)?,
            book_id: row.get(1)?,
            user_id: row.get(2)?,
            borrowed_at: row.get(3)?,
            due_at: row.get(4)?,
            returned_at: row.get(5)?,
            renewals: row.get(6)?,
            item_id: row.get(7)?,
            barcode: row.get(8)?,
        })
    }

    /// Overdue once the clock has passed `due_at`; at `due_at` itself it is still active.
    pub fn status(&self, now: i64) -> LoanStatus {
        match self.returned_at {
            Some(_) => LoanStatus::Returned,
            None if now > self.due_at => LoanStatus::Overdue,
            None => LoanStatus::Active,
        }
    }
}

/// Whether the book exists. The catalogue owns `books`; lending only asks this.
pub fn book_exists(conn: &Connection, book_id: BookId) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM books WHERE id = ?1)")?
        .query_row([book_id], |r| r.get(0))?)
}

/// The open loan of a copy, if it is out.
pub fn out_for_item(conn: &Connection, item_id: ItemId) -> ApiResult<Option<Loan>> {
    let sql = format!("SELECT {COLUMNS} FROM loans WHERE item_id = ?1 AND returned_at IS NULL");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([item_id], Loan::from_row)
        .optional()?)
}

/// The user's loans not yet returned, soonest due first.
pub fn out_for_user(conn: &Connection, user_id: UserId) -> ApiResult<Vec<Loan>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM loans WHERE user_id = ?1 AND returned_at IS NULL ORDER BY due_at, id"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map([user_id], Loan::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What a borrower has out: every loan, those of one book, and those overdue at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutCounts {
    pub all: i64,
    pub of_this_book: i64,
    pub overdue: i64,
}

/// `OutCounts` in one read (the desk asks all three before every loan).
pub fn out_counts(
    conn: &Connection,
    user_id: UserId,
    book_id: BookId,
    now: i64,
) -> ApiResult<OutCounts> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(book_id = ?2), 0), COALESCE(SUM(due_at < ?3), 0)
             FROM loans WHERE user_id = ?1 AND returned_at IS NULL",
        )?
        .query_row(params![user_id, book_id, now], |r| {
            Ok(OutCounts {
                all: r.get(0)?,
                of_this_book: r.get(1)?,
                overdue: r.get(2)?,
            })
        })?)
}

/// The user's loans out past their due date at `now`.
pub fn count_overdue_for_user(conn: &Connection, user_id: UserId, now: i64) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM loans WHERE user_id = ?1 AND returned_at IS NULL AND due_at < ?2",
        )?
        .query_row(params![user_id, now], |r| r.get(0))?)
}

pub fn find(conn: &Connection, id: LoanId) -> ApiResult<Option<Loan>> {
    let sql = format!("SELECT {COLUMNS} FROM loans WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], Loan::from_row)
        .optional()?)
}

pub fn insert(
    conn: &Connection,
    item: &Item,
    user_id: UserId,
    borrowed_at: i64,
    due_at: i64,
) -> ApiResult<Loan> {
    conn.prepare_cached(
        "INSERT INTO loans (book_id, item_id, user_id, borrowed_at, due_at, group_name)
         VALUES (?1, ?2, ?3, ?4, ?5, (SELECT group_name FROM users WHERE id = ?3))",
    )?
    .execute(params![item.book_id, item.id, user_id, borrowed_at, due_at])
    .map_err(|e| unique_violation(e, "book_id", "you already have this book on loan"))?;
    let id = LoanId::new(conn.last_insert_rowid());
    find(conn, id)?.ok_or_else(|| AppError::Internal("inserted loan vanished".into()))
}

/// Every loan of the user, returned or not: whether they have a history to keep.
pub fn count_all_for_user(conn: &Connection, user_id: UserId) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM loans WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))?)
}

/// Whether a returned loan still linked to its reader was returned by `cutoff`.
pub fn any_linked_returned_by(
    conn: &Connection,
    cutoff: i64,
    histories_allowed: bool,
) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT EXISTS(SELECT 1 FROM loans
             WHERE returned_at IS NOT NULL AND user_id IS NOT NULL AND returned_at <= ?1
               AND {NOT_A_KEPT_HISTORY})"
        ))?
        .query_row(params![cutoff, histories_allowed], |r| r.get(0))?)
}

/// A loan that is not part of a reading history its reader keeps (?2: the library allows
/// them).
const NOT_A_KEPT_HISTORY: &str =
    "NOT (?2 AND user_id IN (SELECT id FROM users WHERE keeps_history = 1))";

/// Cuts the link between returned loans and their readers when returned by `cutoff`;
/// the loans stay, so counts do. Returns how many were anonymised.
/// Members who keep a reading history keep theirs while `histories_allowed`.
pub fn anonymise_returned_by(
    conn: &Connection,
    cutoff: i64,
    histories_allowed: bool,
) -> ApiResult<usize> {
    Ok(conn
        .prepare_cached(&format!(
            "UPDATE loans SET user_id = NULL
             WHERE returned_at IS NOT NULL AND user_id IS NOT NULL AND returned_at <= ?1
               AND {NOT_A_KEPT_HISTORY}"
        ))?
        .execute(params![cutoff, histories_allowed])?)
}

/// Cuts the link between the user and their returned loans (their data is erased).
pub fn unlink_user(conn: &Connection, user_id: UserId) -> ApiResult<usize> {
    Ok(conn.execute(
        "UPDATE loans SET user_id = NULL WHERE user_id = ?1 AND returned_at IS NOT NULL",
        [user_id],
    )?)
}

/// Loans not yet returned, of one user.
pub fn count_out_for_user(conn: &Connection, user_id: UserId) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM loans WHERE user_id = ?1 AND returned_at IS NULL")?
        .query_row([user_id], |r| r.get(0))?)
}

/// Copies of the book that are out (overdue ones included: they are still not on the shelf).
pub fn count_out_for_book(conn: &Connection, book_id: BookId) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM loans WHERE book_id = ?1 AND returned_at IS NULL")?
        .query_row([book_id], |r| r.get(0))?)
}

pub fn has_out(conn: &Connection, user_id: UserId, book_id: BookId) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM loans
             WHERE user_id = ?1 AND book_id = ?2 AND returned_at IS NULL)",
        )?
        .query_row(params![user_id, book_id], |r| r.get(0))?)
}

pub fn mark_returned(conn: &Connection, id: LoanId, at: i64) -> ApiResult<()> {
    conn.prepare_cached("UPDATE loans SET returned_at = ?2 WHERE id = ?1 AND returned_at IS NULL")?
        .execute(params![id, at])?;
    Ok(())
}

pub fn extend(conn: &Connection, id: LoanId, due_at: i64) -> ApiResult<()> {
    conn.prepare_cached("UPDATE loans SET due_at = ?2, renewals = renewals + 1 WHERE id = ?1")?
        .execute(params![id, due_at])?;
    Ok(())
}

/// What a loan listing may be narrowed to; None means "any".
#[derive(Debug, Clone, Copy, Default)]
pub struct LoanFilter {
    pub user_id: Option<UserId>,
    pub book_id: Option<BookId>,
    pub status: Option<LoanStatus>,
    /// Newest first (a reading history), instead of oldest first.
    pub newest_first: bool,
}

/// Matching loans by id, one page, and how many match in all. `now` decides which open
/// loans count as overdue.
pub fn list(
    conn: &Connection,
    filter: LoanFilter,
    now: i64,
    page: Page,
) -> ApiResult<(Vec<Loan>, i64)> {
    const MATCHES: &str = "(?1 IS NULL OR user_id = ?1)
        AND (?2 IS NULL OR book_id = ?2)
        AND (?3 IS NULL
             OR (?3 = 'returned' AND returned_at IS NOT NULL)
             OR (?3 = 'overdue' AND returned_at IS NULL AND due_at < ?4)
             OR (?3 = 'active' AND returned_at IS NULL AND due_at >= ?4))";
    let status = filter.status.map(LoanStatus::as_str);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM loans WHERE {MATCHES}"))?
        .query_row(params![filter.user_id, filter.book_id, status, now], |r| {
            r.get(0)
        })?;
    let order = if filter.newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM loans WHERE {MATCHES} ORDER BY id {order} LIMIT ?5 OFFSET ?6"
    );
    let loans = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                filter.user_id,
                filter.book_id,
                status,
                now,
                page.limit(),
                page.offset()
            ],
            Loan::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((loans, total))
}
