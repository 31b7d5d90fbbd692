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
use crate::domain::Role;
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
}

impl Policy {
    pub fn from_config(config: &Config) -> Policy {
        Policy {
            loan_secs: i64::from(config.loan_days) * DAY,
            max_active_loans: i64::from(config.max_active_loans),
            max_renewals: i64::from(config.max_renewals),
            pickup_secs: i64::from(config.hold_pickup_days) * DAY,
        }
    }
}

/// Who is acting: the owner of a loan or hold may act on it, and so may staff.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: i64,
    pub staff: bool,
}

impl Actor {
    pub fn of(user: &User) -> Actor {
        Actor {
            id: user.id,
            staff: user.role >= Role::Librarian,
        }
    }

    pub fn may_act_for(self, user_id: i64) -> ApiResult<()> {
        if self.staff || self.id == user_id {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Brings the book's holds up to date with the clock and its copies: ready holds past
/// their pickup time expire, then as many waiting holds become ready as there are copies
/// neither out nor set aside. Idempotent; every lending write calls it first, and reads
/// that show hold statuses call it too, so no one ever sees a stale status.
pub fn settle(conn: &Connection, policy: Policy, book_id: i64, now: i64) -> ApiResult<()> {
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

/// Settles every book in which the listing to come could show an open hold: those the
/// user holds, or all with open holds when `user_id` is None.
pub fn settle_open_holds(
    conn: &Connection,
    policy: Policy,
    user_id: Option<i64>,
    now: i64,
) -> ApiResult<()> {
    for book_id in hold::books_with_open_holds(conn, user_id)? {
        settle(conn, policy, book_id, now)?;
    }
    Ok(())
}

fn existing_book(conn: &Connection, book_id: i64) -> ApiResult<i64> {
    loan::book_copies(conn, book_id)?.ok_or(AppError::NotFound)
}

/// Lends the book to `borrower`: to fulfil their ready hold, or from a free copy.
pub fn borrow(
    conn: &Connection,
    policy: Policy,
    book_id: i64,
    borrower: i64,
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

fn load_loan(conn: &Connection, actor: Actor, loan_id: i64) -> ApiResult<Loan> {
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
    loan_id: i64,
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
    loan_id: i64,
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

/// Puts the user in the book's queue; ready at once when a copy is free.
pub fn place_hold(
    conn: &Connection,
    policy: Policy,
    book_id: i64,
    holder: i64,
    now: i64,
) -> ApiResult<Hold> {
    existing_book(conn, book_id)?;
    settle(conn, policy, book_id, now)?;
    if loan::has_out(conn, holder, book_id)? {
        return Err(AppError::conflict(
            "book_id",
            "you already have this book on loan",
        ));
    }
    if hold::find_open(conn, holder, book_id)?.is_some() {
        return Err(AppError::conflict("book_id", "you already hold this book"));
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
    hold_id: i64,
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
mod tests {
    use super::*;
    use rusqlite::params;

    const NOW: i64 = 1_700_000_000;

    fn policy() -> Policy {
        Policy::from_config(&Config::default())
    }

    /// A database with `users` users and one book of `copies` copies (id 1).
    fn library(users: i64, copies: i64) -> Connection {
        let conn = crate::db::open_migrated_in_memory().unwrap();
        for id in 1..=users {
            conn.execute(
                "INSERT INTO users (id, username, email, password_hash, created_at, modified_at)
                 VALUES (?1, 'u' || ?1, 'u' || ?1 || '@example.org', 'x', 0, 0)",
                [id],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO books (id, title, author, copies, created_at, modified_at)
             VALUES (1, 't', 'a', ?1, 0, 0)",
            [copies],
        )
        .unwrap();
        conn
    }

    fn statuses(conn: &Connection) -> Vec<(i64, HoldStatus, Option<i64>)> {
        conn.prepare("SELECT id FROM holds ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|id| {
                let held = hold::find(conn, id.unwrap()).unwrap().unwrap();
                (held.user_id, held.status, held.position)
            })
            .collect()
    }

    #[test]
    fn settle_readies_only_as_many_holds_as_there_are_spare_copies() {
        let conn = library(4, 2);
        loan::insert(&conn, 1, 1, NOW, NOW + 10).unwrap();
        for user in 2..=4 {
            hold::insert(&conn, 1, user, NOW).unwrap();
        }
        settle(&conn, policy(), 1, NOW).unwrap();
        settle(&conn, policy(), 1, NOW).unwrap();
        assert_eq!(
            statuses(&conn),
            vec![
                (2, HoldStatus::Ready, Some(0)),
                (3, HoldStatus::Waiting, Some(1)),
                (4, HoldStatus::Waiting, Some(2)),
            ]
        );
        let ready = hold::find_open(&conn, 2, 1).unwrap().unwrap();
        assert_eq!(ready.ready_until, Some(NOW + 3 * DAY));
    }

    #[test]
    fn a_lapsed_hold_expires_and_its_copy_goes_to_the_next() {
        let conn = library(3, 1);
        hold::insert(&conn, 1, 2, NOW).unwrap();
        hold::insert(&conn, 1, 3, NOW).unwrap();
        settle(&conn, policy(), 1, NOW).unwrap();
        // Still within the pickup time at its last second.
        settle(&conn, policy(), 1, NOW + 3 * DAY - 1).unwrap();
        assert_eq!(statuses(&conn)[0].1, HoldStatus::Ready);

        let later = NOW + 3 * DAY;
        settle(&conn, policy(), 1, later).unwrap();
        assert_eq!(
            statuses(&conn),
            vec![
                (2, HoldStatus::Expired, None),
                (3, HoldStatus::Ready, Some(0)),
            ]
        );
        let closed_at: i64 = conn
            .query_row("SELECT closed_at FROM holds WHERE user_id = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(closed_at, NOW + 3 * DAY);
    }

    #[test]
    fn borrowing_fulfils_a_ready_hold_and_respects_the_queue() {
        let conn = library(3, 1);
        place_hold(&conn, policy(), 1, 2, NOW).unwrap();
        assert!(matches!(
            borrow(&conn, policy(), 1, 3, NOW),
            Err(AppError::Conflict(_))
        ));
        let lent = borrow(&conn, policy(), 1, 2, NOW).unwrap();
        assert_eq!(lent.due_at, NOW + 14 * DAY);
        assert_eq!(statuses(&conn), vec![(2, HoldStatus::Fulfilled, None)]);
        assert!(matches!(
            borrow(&conn, policy(), 9, 2, NOW),
            Err(AppError::NotFound)
        ));
    }

    #[test]
    fn a_loan_is_overdue_only_after_its_due_time() {
        let conn = library(1, 1);
        let mut out = loan::insert(&conn, 1, 1, NOW, NOW + 10).unwrap();
        assert_eq!(out.status(NOW + 10), LoanStatus::Active);
        assert_eq!(out.status(NOW + 11), LoanStatus::Overdue);
        out.returned_at = Some(NOW + 20);
        assert_eq!(out.status(NOW + 30), LoanStatus::Returned);
        conn.execute("UPDATE loans SET due_at = ?1", params![NOW - 1])
            .unwrap();
        let actor = Actor {
            id: 1,
            staff: false,
        };
        assert!(matches!(
            renew(&conn, policy(), actor, out.id, NOW),
            Err(AppError::Conflict(errors)) if errors.contains_key("due_at")
        ));
    }
}
