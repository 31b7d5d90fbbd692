//! The lending rules: who may take a copy, and how copies pass along a book's hold queue.
//!
//! Every function here runs inside the caller's write transaction (`Db::write`, which is
//! `BEGIN IMMEDIATE`), so its reads and the writes they decide cannot interleave with
//! another request's: however many borrowers race for the last copy, one wins.
//!
//! Copies are counted the way the catalogue shows `available`:
//! `copies − loans out − ready holds still in their pickup time − waiting holds`.
//! A book with a queue has no copy for someone outside it.

use rusqlite::Connection;

use crate::config::Config;
use crate::domain::{BookId, HoldId, LoanId, Role, UserId};
use crate::error::{ApiResult, AppError};
use crate::models::hold::{self, Hold, HoldStatus};
use crate::models::loan::{self, Loan, LoanStatus};
use crate::models::user::User;

const DAY: i64 = 24 * 60 * 60;

/// The lending settings of `Config`, in seconds and counts.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub loan_secs: i64,
    pub max_active_loans: i64,
    pub max_renewals: i64,
    pub pickup_secs: i64,
    pub max_holds: i64,
}

impl Policy {
    pub fn from_config(config: &Config) -> Policy {
        Policy {
            loan_secs: i64::from(config.loan_days) * DAY,
            max_active_loans: i64::from(config.max_active_loans),
            max_renewals: i64::from(config.max_renewals),
            pickup_secs: i64::from(config.hold_pickup_days) * DAY,
            max_holds: i64::from(config.max_holds),
        }
    }
}

/// Who is acting: the owner of a loan or hold may act on it, and so may staff.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: UserId,
    pub staff: bool,
}

impl Actor {
    pub fn of(user: &User) -> Actor {
        Actor {
            id: user.id,
            staff: user.role >= Role::Librarian,
        }
    }

    pub fn may_act_for(self, user_id: UserId) -> ApiResult<()> {
        if self.staff || self.id == user_id {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Brings the book's holds up to date with the clock and its copies: ready holds past
/// their pickup time expire, then as many waiting holds become ready as there are copies
/// neither out nor set aside. Idempotent; every lending write calls it first. Reads do not
/// (they never take the writer): they show a lapsed hold as expired by themselves, and
/// `settle_due`, run by the background sweep, records it soon after.
pub fn settle(conn: &Connection, policy: Policy, book_id: BookId, now: i64) -> ApiResult<()> {
    hold::expire_lapsed(conn, book_id, now)?;
    let Some(copies) = loan::book_copies(conn, book_id)? else {
        return Ok(());
    };
    let spare =
        copies - loan::count_out_for_book(conn, book_id)? - hold::count_ready(conn, book_id, now)?;
    if spare > 0 {
        hold::promote(conn, book_id, spare, now + policy.pickup_secs)?;
    }
    Ok(())
}

/// Settles every book whose holds the clock or the shelf has moved on (see
/// `hold::books_to_settle`); returns how many. The background sweep's one write.
pub fn settle_due(conn: &Connection, policy: Policy, now: i64) -> ApiResult<usize> {
    let books = hold::books_to_settle(conn, now)?;
    for &book_id in &books {
        settle(conn, policy, book_id, now)?;
    }
    Ok(books.len())
}

/// Refuses to give a book fewer copies than exist in someone's hands or on the hold shelf:
/// each loan out and each copy set aside for a ready hold is a real copy, and counting
/// fewer would let the ready holder borrow one the catalogue no longer has. Every path that
/// changes `copies` (PATCH /books, CSV import) asks here first.
pub fn check_copies(conn: &Connection, book_id: BookId, copies: i64, now: i64) -> ApiResult<()> {
    let on_loan = loan::count_out_for_book(conn, book_id)?;
    let on_shelf = hold::count_ready(conn, book_id, now)?;
    let least = on_loan + on_shelf;
    if copies >= least {
        return Ok(());
    }
    let loaned = |n: i64| match n {
        1 => "1 copy is out on loan".to_string(),
        n => format!("{n} copies are out on loan"),
    };
    let shelved = |n: i64, lead: bool| match (n, lead) {
        (1, true) => "1 copy waits on the hold shelf".to_string(),
        (1, false) => "1 waits on the hold shelf".to_string(),
        (n, true) => format!("{n} copies wait on the hold shelf"),
        (n, false) => format!("{n} wait on the hold shelf"),
    };
    let why = match (on_loan, on_shelf) {
        (loans, 0) => loaned(loans),
        (0, ready) => shelved(ready, true),
        (loans, ready) => format!("{} and {}", loaned(loans), shelved(ready, false)),
    };
    Err(AppError::conflict(
        "copies",
        format!("cannot go below {least}: {why}"),
    ))
}

fn existing_book(conn: &Connection, book_id: BookId) -> ApiResult<i64> {
    loan::book_copies(conn, book_id)?.ok_or(AppError::NotFound)
}

/// Lends the book to `borrower`: to fulfil their ready hold, or from a free copy.
pub fn borrow(
    conn: &Connection,
    policy: Policy,
    book_id: BookId,
    borrower: UserId,
    now: i64,
) -> ApiResult<Loan> {
    let copies = existing_book(conn, book_id)?;
    settle(conn, policy, book_id, now)?;
    if loan::has_out(conn, borrower, book_id)? {
        return Err(AppError::conflict(
            "book_id",
            "this book is already on loan to this user",
        ));
    }
    if loan::count_out_for_user(conn, borrower)? >= policy.max_active_loans {
        return Err(AppError::conflict(
            "user_id",
            format!(
                "already has {} books on loan, the most allowed",
                policy.max_active_loans
            ),
        ));
    }
    match hold::find_open(conn, borrower, book_id)? {
        Some(held) if held.status == HoldStatus::Ready => {
            hold::close(conn, held.id, HoldStatus::Fulfilled, now)?;
        }
        Some(_) => {
            return Err(AppError::conflict(
                "book_id",
                "no copy is free yet; this user's hold is still waiting in the queue",
            ));
        }
        None => {
            let free = copies
                - loan::count_out_for_book(conn, book_id)?
                - hold::count_ready(conn, book_id, now)?
                - hold::count_waiting(conn, book_id)?;
            if free <= 0 {
                return Err(AppError::conflict(
                    "book_id",
                    "no copy is free; place a hold to join the queue",
                ));
            }
        }
    }
    loan::insert(conn, book_id, borrower, now, now + policy.loan_secs)
}

fn load_loan(conn: &Connection, actor: Actor, loan_id: LoanId) -> ApiResult<Loan> {
    let found = loan::find(conn, loan_id)?.ok_or(AppError::NotFound)?;
    actor.may_act_for(found.user_id)?;
    Ok(found)
}

fn already_returned() -> AppError {
    AppError::conflict("returned_at", "the loan is already returned")
}

/// Takes the copy back and hands it to the first waiting hold, if any.
pub fn return_loan(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    loan_id: LoanId,
    now: i64,
) -> ApiResult<Loan> {
    let out = load_loan(conn, actor, loan_id)?;
    settle(conn, policy, out.book_id, now)?;
    if out.returned_at.is_some() {
        return Err(already_returned());
    }
    loan::mark_returned(conn, out.id, now)?;
    settle(conn, policy, out.book_id, now)?;
    loan::find(conn, out.id)?.ok_or(AppError::NotFound)
}

/// Moves the due date one loan period on, unless the loan is closed, late, renewed as
/// often as allowed, or someone is queueing for the book.
pub fn renew(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    loan_id: LoanId,
    now: i64,
) -> ApiResult<Loan> {
    let out = load_loan(conn, actor, loan_id)?;
    settle(conn, policy, out.book_id, now)?;
    match out.status(now) {
        LoanStatus::Returned => return Err(already_returned()),
        LoanStatus::Overdue => {
            return Err(AppError::conflict(
                "due_at",
                "an overdue loan cannot be renewed",
            ))
        }
        LoanStatus::Active => {}
    }
    if out.renewals >= policy.max_renewals {
        return Err(AppError::conflict(
            "renewals",
            format!("already renewed {} times, the most allowed", out.renewals),
        ));
    }
    if hold::count_waiting(conn, out.book_id)? > 0 {
        return Err(AppError::conflict(
            "book_id",
            "others are waiting for this book",
        ));
    }
    loan::extend(conn, out.id, out.due_at + policy.loan_secs)?;
    loan::find(conn, out.id)?.ok_or(AppError::NotFound)
}

/// Puts the user in the book's queue (ready at once when a copy is free), unless they have
/// the book, hold it already, or hold as many books as `max_holds` allows.
pub fn place_hold(
    conn: &Connection,
    policy: Policy,
    book_id: BookId,
    holder: UserId,
    now: i64,
) -> ApiResult<Hold> {
    existing_book(conn, book_id)?;
    settle(conn, policy, book_id, now)?;
    if loan::has_out(conn, holder, book_id)? {
        return Err(AppError::conflict(
            "book_id",
            "this user already has this book on loan",
        ));
    }
    if hold::find_open(conn, holder, book_id)?.is_some() {
        return Err(AppError::conflict(
            "book_id",
            "this user already holds this book",
        ));
    }
    if hold::count_open_for_user(conn, holder, now)? >= policy.max_holds {
        return Err(AppError::conflict(
            "user_id",
            format!(
                "already has {} open holds (waiting or ready), the most allowed; \
                 cancel one or collect a ready book first",
                policy.max_holds
            ),
        ));
    }
    let placed = hold::insert(conn, book_id, holder, now)?;
    settle(conn, policy, book_id, now)?;
    hold::find(conn, placed.id)?.ok_or(AppError::NotFound)
}

/// Cancels an open hold; a copy it had set aside passes to the next in line.
pub fn cancel_hold(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    hold_id: HoldId,
    now: i64,
) -> ApiResult<Hold> {
    let found = hold::find(conn, hold_id)?.ok_or(AppError::NotFound)?;
    actor.may_act_for(found.user_id)?;
    settle(conn, policy, found.book_id, now)?;
    let current = hold::find(conn, hold_id)?.ok_or(AppError::NotFound)?;
    if !current.status.is_open() {
        return Err(AppError::conflict(
            "status",
            format!("the hold is already {}", current.status.as_str()),
        ));
    }
    hold::close(conn, hold_id, HoldStatus::Cancelled, now)?;
    settle(conn, policy, found.book_id, now)?;
    hold::find(conn, hold_id)?.ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests;
