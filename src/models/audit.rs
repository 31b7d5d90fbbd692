//! The audit log: who did what to loans, holds, copies and patrons. Written in the same
//! transaction as the change it records, so the log and the data cannot disagree.

use rusqlite::{params, Connection, Row};

use super::{now, Page};
use crate::domain::UserId;
use crate::error::ApiResult;
use crate::models::user::User;

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub patron_id: Option<UserId>,
    pub detail: String,
}

impl Entry {
    fn from_row(row: &Row) -> rusqlite::Result<Entry> {
        Ok(Entry {
            id: row.get("id")?,
            at: row.get("at")?,
            actor_id: row.get("actor_id")?,
            actor: row.get("actor")?,
            action: row.get("action")?,
            subject_type: row.get("subject_type")?,
            subject_id: row.get("subject_id")?,
            patron_id: row.get("patron_id")?,
            detail: row.get("detail")?,
        })
    }
}

/// What was done to what: `Action::new("loan.create", "loan", id)`.
#[derive(Debug, Clone)]
pub struct Action {
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Option<i64>,
    /// The patron the action concerned, when one did.
    pub patron_id: Option<UserId>,
    /// In words, without personal data (ids and barcodes, not names).
    pub detail: String,
}

impl Action {
    pub fn new(
        action: &'static str,
        subject_type: &'static str,
        subject_id: impl Into<i64>,
    ) -> Action {
        Action {
            action,
            subject_type,
            subject_id: Some(subject_id.into()),
            patron_id: None,
            detail: String::new(),
        }
    }

    pub fn patron(mut self, id: UserId) -> Action {
        self.patron_id = Some(id);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Action {
        self.detail = detail.into();
        self
    }
}

/// Records that `actor` did `what`, now.
pub fn record(conn: &Connection, actor: &User, what: Action) -> ApiResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor_id, actor, action, subject_type, subject_id, patron_id,
                            detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        now(),
        actor.id,
        actor.username,
        what.action,
        what.subject_type,
        what.subject_id,
        what.patron_id,
        what.detail
    ])?;
    Ok(())
}

/// What the log is filtered by: a person (who acted, or whom it concerned) and a span
/// of time, `from` inclusive and `to` exclusive (Unix seconds).
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub person: Option<UserId>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// One page of the log, newest first, and how many entries match.
pub fn list(conn: &Connection, filter: Filter, page: Page) -> ApiResult<(Vec<Entry>, i64)> {
    let matches = "(?1 IS NULL OR actor_id = ?1 OR patron_id = ?1)
        AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM audit WHERE {matches}"))?
        .query_row(params![filter.person, filter.from, filter.to], |r| r.get(0))?;
    let entries = conn
        .prepare_cached(&format!(
            "SELECT * FROM audit WHERE {matches} ORDER BY id DESC LIMIT ?4 OFFSET ?5"
        ))?
        .query_map(
            params![
                filter.person,
                filter.from,
                filter.to,
                page.limit(),
                page.offset()
            ],
            Entry::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((entries, total))
}

/// After a person's data is erased: the log keeps their id but no longer their name, the
/// words staff wrote about them (a block's reason), or what they borrowed and held.
pub fn forget_person(conn: &Connection, id: UserId, placeholder: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE audit SET actor = ?2 WHERE actor_id = ?1",
        params![id, placeholder],
    )?;
    conn.execute(
        "UPDATE audit SET detail = '' WHERE patron_id = ?1 AND subject_type = 'patron'",
        [id],
    )?;
    conn.execute(
        "UPDATE audit SET patron_id = NULL
         WHERE patron_id = ?1 AND subject_type IN ('loan', 'hold')",
        [id],
    )?;
    Ok(())
}

/// Whether an entry about a loan or hold made by `cutoff` still names its reader.
pub fn any_reading_linked_by(conn: &Connection, cutoff: i64) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM audit WHERE patron_id IS NOT NULL
             AND subject_type IN ('loan', 'hold') AND at <= ?1)",
        )?
        .query_row([cutoff], |r| r.get(0))?)
}

/// Loan history is anonymised after `loan_history_days`: so are the log's entries about
/// loans and holds made by `cutoff`, which would otherwise still tell who read what.
pub fn unlink_reading_by(conn: &Connection, cutoff: i64) -> ApiResult<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE audit SET patron_id = NULL WHERE patron_id IS NOT NULL
             AND subject_type IN ('loan', 'hold') AND at <= ?1",
        )?
        .execute([cutoff])?)
}

/// Records `what` when `actor` is staff: members' own borrowing is not a staff action.
pub fn staff_did(conn: &Connection, actor: &User, what: Action) -> ApiResult<()> {
    match actor.is_staff() {
        true => record(conn, actor, what),
        false => Ok(()),
    }
}
