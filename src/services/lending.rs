//! The lending rules: who may take which copy, and how copies pass along a book's hold
//! queue.
//!
//! Every function here runs inside the caller's write transaction (`Db::write`, which is
//! `BEGIN IMMEDIATE`), so its reads and the writes they decide cannot interleave with
//! another request's: however many desks scan the same copy at once, one lends it.
//!
//! A copy's status (`items.status`) is the one truth about availability: lending picks one
//! item row and changes it. A book's `available` is its items on the shelf.

use rusqlite::Connection;

use crate::config::Config;
use crate::domain::item::ItemStatus;
use crate::domain::{BookId, HoldId, ItemId, LoanId, Role, UserId};
use crate::error::{ApiResult, AppError, Refusal};
use crate::models::calendar;
use crate::models::hold::{self, Hold, HoldStatus};
use crate::models::item;
use crate::models::loan::{self, Loan, LoanStatus};
use crate::models::loan_rules;
use crate::models::user::{self, User};

mod desk;

pub use desk::{check_in, lend, short_date, standing, unknown_barcode, CheckIn, Next};

const DAY: i64 = 24 * 60 * 60;

/// The lending settings of `Config`, in seconds and counts.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub loan_secs: i64,
    pub max_active_loans: i64,
    pub max_renewals: i64,
    pub pickup_secs: i64,
    pub max_holds: i64,
    pub self_checkout: bool,
    pub overdue_blocks: bool,
}

impl Policy {
    pub fn from_config(config: &Config) -> Policy {
        Policy {
            loan_secs: i64::from(config.loan_days) * DAY,
            max_active_loans: i64::from(config.max_active_loans),
            max_renewals: i64::from(config.max_renewals),
            pickup_secs: i64::from(config.hold_pickup_days) * DAY,
            max_holds: i64::from(config.max_holds),
            self_checkout: config.self_checkout,
            overdue_blocks: config.overdue_blocks_lending,
        }
    }
}

impl Policy {
    /// The policy for this patron: their group's loan rules over the server's.
    pub fn for_patron(self, conn: &Connection, patron: &User) -> ApiResult<Policy> {
        let Some(group) = &patron.group else {
            return Ok(self);
        };
        let Some(rules) = loan_rules::for_group(conn, group)? else {
            return Ok(self);
        };
        Ok(Policy {
            loan_secs: rules.loan_days.map_or(self.loan_secs, |days| days * DAY),
            max_active_loans: rules.max_loans.unwrap_or(self.max_active_loans),
            max_renewals: rules.max_renewals.unwrap_or(self.max_renewals),
            max_holds: rules.max_holds.unwrap_or(self.max_holds),
            ..self
        })
    }
}

/// Who is acting: the owner of a loan or hold may act on it, and so may staff.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: UserId,
    pub staff: bool,
}

impl Actor {
    /// Staff at the desk, for answers that only staff routes give.
    pub const DESK: Actor = Actor {
        id: UserId::new(0),
        staff: true,
    };

    pub fn of(user: &User) -> Actor {
        Actor {
            id: user.id,
            staff: user.role >= Role::Librarian,
        }
    }

    /// `None` is an anonymised loan: only staff may act on it.
    pub fn may_act_for(self, user_id: impl Into<Option<UserId>>) -> ApiResult<()> {
        if self.staff || Some(self.id) == user_id.into() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Brings the book's holds up to date with the clock and its copies: ready holds past
/// their pickup time expire and their copies leave the hold shelf, then each copy on the
/// shelf goes to the next waiting reader (onto the hold shelf, reserved). Idempotent; every
/// lending write calls it first. Reads do not (they never take the writer): they show a
/// lapsed hold as expired by themselves, and `settle_due`, run by the background sweep,
/// records it soon after.
pub fn settle(conn: &Connection, policy: Policy, book_id: BookId, now: i64) -> ApiResult<()> {
    // Most books have no holds at all: one indexed read, and nothing to write.
    if !hold::any_open(conn, book_id)? {
        return Ok(());
    }
    for item_id in hold::expire_lapsed(conn, book_id, now)? {
        off_the_hold_shelf(conn, item_id)?;
    }
    while let Some(free) = item::first_available(conn, book_id)? {
        match hold::promote(conn, book_id, free.id, now + policy.pickup_secs)? {
            Some(_) => item::set_status(conn, free.id, ItemStatus::OnHoldShelf)?,
            None => break,
        }
    }
    Ok(())
}

/// A copy kept for a hold that no longer wants it goes back on the shelf.
fn off_the_hold_shelf(conn: &Connection, item_id: ItemId) -> ApiResult<()> {
    if let Some(kept) = item::find(conn, item_id)? {
        if kept.status == ItemStatus::OnHoldShelf {
            item::set_status(conn, item_id, ItemStatus::Available)?;
        }
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

fn existing_book(conn: &Connection, book_id: BookId) -> ApiResult<()> {
    match loan::book_exists(conn, book_id)? {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

/// Lends the book to `borrower` by title, as the first API did: the copy their ready hold
/// keeps for them, or a copy on the shelf.
pub fn borrow(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    book_id: BookId,
    borrower: &User,
    now: i64,
) -> ApiResult<Loan> {
    existing_book(conn, book_id)?;
    settle(conn, policy, book_id, now)?;
    let rules = policy.for_patron(conn, borrower)?;
    desk::check_patron(conn, rules, actor, borrower, book_id, now)?;
    let copy = match hold::find_open(conn, borrower.id, book_id)? {
        Some(held) if held.status == HoldStatus::Ready => match held.item_id {
            Some(kept) => item::find(conn, kept)?,
            None => item::first_available(conn, book_id)?,
        },
        Some(_) => {
            return Err(Refusal::new(
                "hold_still_waiting",
                "book_id",
                "no copy is free yet; this user's hold is still waiting in the queue",
            )
            .param("book_id", book_id)
            .into())
        }
        None => item::first_available(conn, book_id)?,
    };
    let Some(copy) = copy else {
        return Err(Refusal::new(
            "no_copy_free",
            "book_id",
            "no copy is free; place a hold to join the queue",
        )
        .param("book_id", book_id)
        .into());
    };
    desk::lend_checked(conn, rules, actor, copy, borrower, now)
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
    if let Some(copy) = out.item_id {
        item::set_status(conn, copy, ItemStatus::Available)?;
    }
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
            return Err(Refusal::new(
                "loan_overdue",
                "due_at",
                "an overdue loan cannot be renewed",
            )
            .into())
        }
        LoanStatus::Active => {}
    }
    // Renewing is borrowing for longer: a patron who may not borrow may not renew.
    let policy = match out.user_id {
        Some(reader) => match user::find(conn, reader)? {
            Some(patron) => {
                if let Some(refusal) = desk::standing(&patron, now) {
                    return Err(refusal.into());
                }
                policy.for_patron(conn, &patron)?
            }
            None => policy,
        },
        None => policy,
    };
    if out.renewals >= policy.max_renewals {
        return Err(Refusal::new(
            "renewals_used_up",
            "renewals",
            format!("already renewed {} times, the most allowed", out.renewals),
        )
        .param("renewals", out.renewals)
        .into());
    }
    if hold::count_waiting(conn, out.book_id)? > 0 {
        return Err(Refusal::new(
            "others_waiting",
            "book_id",
            "others are waiting for this book",
        )
        .into());
    }
    loan::extend(conn, out.id, due_at(conn, out.due_at + policy.loan_secs)?)?;
    loan::find(conn, out.id)?.ok_or(AppError::NotFound)
}

/// A due time `at`, moved to the next day the library opens when it falls on a closed
/// day (the library's calendar).
pub fn due_at(conn: &Connection, at: i64) -> ApiResult<i64> {
    Ok(calendar::load(conn)?.due_at(at))
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
        return Err(Refusal::new(
            "already_borrowed",
            "book_id",
            "this user already has this book on loan",
        )
        .into());
    }
    if hold::find_open(conn, holder, book_id)?.is_some() {
        return Err(Refusal::new(
            "already_holding",
            "book_id",
            "this user already holds this book",
        )
        .into());
    }
    let patron = user::find(conn, holder)?.ok_or(AppError::NotFound)?;
    if let Some(refusal) = desk::standing(&patron, now) {
        return Err(refusal.into());
    }
    let policy = policy.for_patron(conn, &patron)?;
    if hold::count_open_for_user(conn, holder, now)? >= policy.max_holds {
        return Err(Refusal::new(
            "hold_limit",
            "user_id",
            format!(
                "already has {} open holds (waiting or ready), the most allowed; \
                 cancel one or collect a ready book first",
                policy.max_holds
            ),
        )
        .param("max_holds", policy.max_holds)
        .into());
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
    if let Some(kept) = current.item_id {
        off_the_hold_shelf(conn, kept)?;
    }
    settle(conn, policy, found.book_id, now)?;
    hold::find(conn, hold_id)?.ok_or(AppError::NotFound)
}

/// Cancels every open hold of the user (before their account goes); copies kept for them
/// pass to the next readers.
pub fn cancel_holds_of(
    conn: &Connection,
    policy: Policy,
    user_id: UserId,
    now: i64,
) -> ApiResult<()> {
    for open in hold::open_for_user(conn, user_id, now)? {
        hold::close(conn, open.id, HoldStatus::Cancelled, now)?;
        if let Some(kept) = open.item_id {
            off_the_hold_shelf(conn, kept)?;
        }
        settle(conn, policy, open.book_id, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
