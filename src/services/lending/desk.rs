//! Lending and returning one scanned copy: what the circulation desk does all day.

use rocket::http::Status;
use rusqlite::Connection;
use serde::Serialize;

use super::{settle, Actor, Policy};
use crate::domain::item::day_of;
use crate::domain::item::ItemStatus;
use crate::domain::{BookId, PatronStatus};
use crate::error::{ApiResult, AppError, Refusal};
use crate::models::hold::{self, Hold, HoldStatus};
use crate::models::item::{self, Item};
use crate::models::loan::{self, Loan};
use crate::models::user::{self, User};

/// "3 Dec": a due date as the desk says it.
pub fn short_date(at: i64) -> String {
    let text = crate::views::HttpDate::format(at);
    // "Thu, 03 Dec 2026 10:00:00 GMT"
    let mut parts = text.split(' ').skip(1);
    match (parts.next(), parts.next()) {
        (Some(day), Some(month)) => format!("{} {month}", day.trim_start_matches('0')),
        _ => text,
    }
}

/// Why this patron may not borrow or place holds now, if they may not: blocked (with the
/// reason staff gave), left, waiting for approval, or their card expired.
pub fn standing(patron: &User, now: i64) -> Option<Refusal> {
    let who = patron.display_name();
    let refusal = match patron.status {
        PatronStatus::Blocked => {
            let reason = patron
                .blocked_reason
                .as_deref()
                .unwrap_or("no reason given");
            Refusal::new(
                "patron_blocked",
                "user_id",
                format!("{who} is blocked: {reason}"),
            )
            .param("reason", reason)
        }
        PatronStatus::Left => Refusal::new(
            "patron_left",
            "user_id",
            format!("{who} has left the library; make them active again first"),
        ),
        PatronStatus::Pending => Refusal::new(
            "patron_pending",
            "user_id",
            format!("{who}'s registration waits for staff to approve it"),
        ),
        PatronStatus::Active => match &patron.card_expires_on {
            Some(last) if last.as_str() < day_of(now).as_str() => Refusal::new(
                "card_expired",
                "user_id",
                format!("{who}'s card expired on {last}; renew the card first"),
            )
            .param("expired_on", last.as_str()),
            _ => return None,
        },
    };
    Some(refusal.param("user_id", patron.id))
}

/// Refuses a borrower who may take nothing more: not in good standing, the same book
/// already out to them, their loan limit reached, or (when `overdue_blocks_lending`) a
/// loan overdue. `policy` is already the borrower's (`Policy::for_patron`).
pub(super) fn check_patron(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    borrower: &User,
    book_id: BookId,
    now: i64,
) -> ApiResult<()> {
    if let Some(refusal) = standing(borrower, now) {
        return Err(refusal.into());
    }
    let who = borrower.display_name();
    let out = loan::out_counts(conn, borrower.id, book_id, now)?;
    if out.of_this_book > 0 {
        return Err(Refusal::new(
            "already_borrowed",
            "book_id",
            "this book is already on loan to this user",
        )
        .param("book_id", book_id)
        .param("user_id", borrower.id)
        .into());
    }
    if out.all >= policy.max_active_loans {
        return Err(Refusal::new(
            "loan_limit",
            "user_id",
            format!(
                "already has {} books on loan, the most allowed",
                policy.max_active_loans
            ),
        )
        .param("user_id", borrower.id)
        .param("limit", policy.max_active_loans)
        .into());
    }
    if policy.overdue_blocks {
        let overdue = out.overdue;
        if overdue > 0 {
            let books = if overdue == 1 { "book" } else { "books" };
            let detail = match actor.id == borrower.id {
                true => format!("You have {overdue} overdue {books}; bring them back first"),
                false => format!("{who} has {overdue} overdue {books}; they must come back first"),
            };
            return Err(Refusal::new("patron_overdue", "user_id", detail)
                .param("user_id", borrower.id)
                .param("overdue", overdue)
                .into());
        }
    }
    Ok(())
}

/// Lends the scanned copy to `borrower`, if it may go: on the shelf, or on the hold shelf
/// for them. A copy on the shelf while the borrower's own ready hold keeps another fulfils
/// the hold, and the kept copy passes on.
pub fn lend(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    copy: Item,
    borrower: &User,
    now: i64,
) -> ApiResult<Loan> {
    settle(conn, policy, copy.book_id, now)?;
    let rules = policy.for_patron(conn, borrower)?;
    check_patron(conn, rules, actor, borrower, copy.book_id, now)?;
    let copy = item::find(conn, copy.id)?.ok_or(AppError::NotFound)?;
    lend_checked(conn, rules, actor, copy, borrower, now)
}

/// `lend` after the book is settled and the borrower checked.
pub(super) fn lend_checked(
    conn: &Connection,
    policy: Policy,
    actor: Actor,
    copy: Item,
    borrower: &User,
    now: i64,
) -> ApiResult<Loan> {
    let own_hold = hold::find_open(conn, borrower.id, copy.book_id)?;
    match copy.status {
        ItemStatus::Available => {}
        ItemStatus::OnHoldShelf => match hold::ready_for_item(conn, copy.id)? {
            Some(kept) if kept.user_id != borrower.id => {
                return Err(refuse_copy(conn, actor, &copy, now)?)
            }
            _ => {}
        },
        _ => return Err(refuse_copy(conn, actor, &copy, now)?),
    }
    let mut passes_on = None;
    if let Some(held) = own_hold {
        hold::close(conn, held.id, HoldStatus::Fulfilled, now)?;
        passes_on = held.item_id.filter(|&kept| kept != copy.id);
    }
    item::set_status(conn, copy.id, ItemStatus::OnLoan)?;
    let due = super::due_at(conn, now + policy.loan_secs)?;
    let lent = loan::insert(conn, &copy, borrower.id, now, due)?;
    if let Some(kept) = passes_on {
        super::off_the_hold_shelf(conn, kept)?;
        settle(conn, policy, copy.book_id, now)?;
    }
    Ok(lent)
}

/// Why `copy` cannot be lent, in words: staff hear who has it, a member that it is not
/// available.
fn refuse_copy(conn: &Connection, actor: Actor, copy: &Item, now: i64) -> ApiResult<AppError> {
    let code = &copy.barcode;
    let refusal = |name: &'static str, detail: String| {
        Refusal::new(name, "barcode", detail)
            .param("barcode", code.as_str())
            .param("status", copy.status.as_str())
    };
    let refused = match copy.status {
        ItemStatus::OnLoan if actor.staff => {
            let out = loan::out_for_item(conn, copy.id)?;
            match out {
                Some(out) => {
                    let holder = match out.user_id {
                        Some(reader) => user::find(conn, reader)?,
                        None => None,
                    };
                    let name = holder.as_ref().map_or("someone".into(), User::display_name);
                    let overdue = if now > out.due_at { " (overdue)" } else { "" };
                    refusal(
                        "item_on_loan",
                        format!(
                            "Copy {code} is on loan to {name}, due {}{overdue}",
                            short_date(out.due_at)
                        ),
                    )
                    .param("user_id", out.user_id)
                    .param("patron", name)
                    .param("due_at", crate::views::HttpDate::format(out.due_at))
                }
                None => refusal("item_on_loan", format!("Copy {code} is on loan")),
            }
        }
        ItemStatus::OnHoldShelf if actor.staff => {
            let kept = hold::ready_for_item(conn, copy.id)?;
            let holder = match &kept {
                Some(kept) => user::find(conn, kept.user_id)?,
                None => None,
            };
            let name = holder
                .as_ref()
                .map_or("another reader".into(), User::display_name);
            let mut refused = refusal(
                "item_on_hold_shelf",
                format!("Copy {code} is on the hold shelf for {name}"),
            )
            .param("patron", name);
            if let Some(kept) = kept {
                refused = refused.param("user_id", kept.user_id);
            }
            refused
        }
        ItemStatus::OnLoan | ItemStatus::OnHoldShelf => refusal(
            "item_not_available",
            format!("Copy {code} is not available"),
        ),
        ItemStatus::Withdrawn => refusal(
            "item_withdrawn",
            format!("Copy {code} has been withdrawn from the collection"),
        ),
        ItemStatus::Lost | ItemStatus::Missing => refusal(
            "item_lost",
            format!(
                "Copy {code} is {}; check it in to mark it found, then lend it",
                copy.status.words()
            ),
        ),
        ItemStatus::InRepair | ItemStatus::InTransit | ItemStatus::Available => refusal(
            "item_not_available",
            format!(
                "Copy {code} is {}; check it in first to put it back on the shelf",
                copy.status.words()
            ),
        ),
    };
    Ok(refused.into())
}

/// Where a checked-in copy goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// Back on the shelf.
    Shelf,
    /// Onto the hold shelf, kept for the first waiting reader.
    HoldShelf,
}

/// What a check-in did.
pub struct CheckIn {
    pub item: Item,
    /// The loan it closed, if the copy was out.
    pub loan: Option<Loan>,
    /// The status the copy had before: `lost` or `missing` when it turned up again.
    pub was: ItemStatus,
    pub next: Next,
    /// The hold it now waits on the hold shelf for, and its reader.
    pub hold: Option<(Hold, User)>,
}

/// The desk's unknown-code answer: a patron's card scanned in the copy field is named to
/// staff, and to its owner. Anyone else hears only that no copy has the code: whose card
/// it is is not theirs to learn.
pub fn unknown_barcode(conn: &Connection, barcode: &str, actor: Actor) -> ApiResult<AppError> {
    let code = barcode.trim();
    let card = user::find_by_card(conn, code)?;
    if let Some(patron) = card.filter(|owner| actor.may_act_for(owner.id).is_ok()) {
        return Ok(Refusal::new(
            "patron_card_not_item",
            "barcode",
            format!(
                "{code} is the library card of {}, not a copy's barcode",
                patron.display_name()
            ),
        )
        .status(Status::UnprocessableEntity)
        .param("barcode", code)
        .param("user_id", patron.id)
        .into());
    }
    Ok(Refusal::new(
        "unknown_barcode",
        "barcode",
        format!("No copy has the barcode {code}"),
    )
    .status(Status::NotFound)
    .param("barcode", code)
    .into())
}

/// Checks the copy in, whoever had it: it closes its loan, and a lost, missing, in-repair
/// or in-transit copy is back. It then goes to the first waiting reader, if any.
pub fn check_in(conn: &Connection, policy: Policy, barcode: &str, now: i64) -> ApiResult<CheckIn> {
    let Some(copy) = item::find_by_barcode(conn, barcode)? else {
        return Err(unknown_barcode(conn, barcode, Actor::DESK)?);
    };
    settle(conn, policy, copy.book_id, now)?;
    let copy = item::find(conn, copy.id)?.ok_or(AppError::NotFound)?;
    let code = copy.barcode.clone();
    let refusal = |name: &'static str, detail: String| -> AppError {
        Refusal::new(name, "barcode", detail)
            .param("barcode", code.as_str())
            .param("status", copy.status.as_str())
            .into()
    };
    let mut closed = None;
    match copy.status {
        ItemStatus::OnLoan => {
            if let Some(out) = loan::out_for_item(conn, copy.id)? {
                loan::mark_returned(conn, out.id, now)?;
                closed = loan::find(conn, out.id)?;
            }
        }
        ItemStatus::Lost | ItemStatus::Missing | ItemStatus::InRepair | ItemStatus::InTransit => {}
        ItemStatus::Available => {
            return Err(refusal(
                "not_on_loan",
                format!("Copy {code} was not on loan; it belongs on the shelf"),
            ))
        }
        ItemStatus::OnHoldShelf => {
            let kept = hold::ready_for_item(conn, copy.id)?;
            let name = match kept {
                Some(kept) => user::find(conn, kept.user_id)?.map(|u| u.display_name()),
                None => None,
            };
            return Err(refusal(
                "already_on_hold_shelf",
                format!(
                    "Copy {code} is already on the hold shelf for {}",
                    name.unwrap_or_else(|| "a reader".into())
                ),
            ));
        }
        ItemStatus::Withdrawn => {
            return Err(refusal(
                "item_withdrawn",
                format!("Copy {code} was withdrawn; it is no longer in the collection"),
            ))
        }
    }
    item::set_status(conn, copy.id, ItemStatus::Available)?;
    settle(conn, policy, copy.book_id, now)?;
    let after = item::find(conn, copy.id)?.ok_or(AppError::NotFound)?;
    let hold = match hold::ready_for_item(conn, copy.id)? {
        Some(kept) => user::find(conn, kept.user_id)?.map(|reader| (kept, reader)),
        None => None,
    };
    Ok(CheckIn {
        next: match after.status {
            ItemStatus::OnHoldShelf => Next::HoldShelf,
            _ => Next::Shelf,
        },
        was: copy.status,
        item: after,
        loan: closed,
        hold,
    })
}
