//! A book's copies: adding them, withdrawing them, marking them lost and found. Each runs
//! inside the caller's write transaction and leaves the book's holds settled, so a copy
//! that joins the shelf goes straight to a waiting reader.

use rusqlite::Connection;

use crate::domain::item::{Barcode, ItemStatus};
use crate::domain::BookId;
use crate::error::{ApiResult, AppError, Refusal};
use crate::models::hold;
use crate::models::item::{self, Item, ItemFields};
use crate::models::loan;
use crate::services::lending::{settle, Policy};

/// Adds a copy to the book: with the barcode given (a label already on it), or the next of
/// the library's sequence.
pub fn add(
    conn: &Connection,
    policy: Policy,
    book_id: BookId,
    barcode: Option<Barcode>,
    fields: &ItemFields,
    prefix: &str,
    now: i64,
) -> ApiResult<Item> {
    if !loan::book_exists(conn, book_id)? {
        return Err(AppError::NotFound);
    }
    let barcode = match barcode {
        Some(barcode) => barcode,
        None => item::next_barcode(conn, prefix)?,
    };
    let added = item::insert(conn, book_id, &barcode, fields)?;
    settle(conn, policy, book_id, now)?;
    item::find(conn, added.id)?.ok_or(AppError::NotFound)
}

/// Gives the book `wanted` copies, as `PATCH copies` and the importer ask: new copies get
/// generated barcodes; fewer withdraws copies on the shelf, newest first, and never one
/// that is out, on the hold shelf or away.
pub fn set_count(
    conn: &Connection,
    policy: Policy,
    book_id: BookId,
    wanted: i64,
    prefix: &str,
    now: i64,
) -> ApiResult<()> {
    // A new book (the importer's usual case) has no holds to settle.
    let held = hold::any_open(conn, book_id)?;
    if held {
        settle(conn, policy, book_id, now)?;
    }
    let have = item::copies(conn, book_id)?;
    if wanted > have {
        for barcode in item::next_barcodes(conn, prefix, (wanted - have) as usize)? {
            item::add_numbered(conn, book_id, &barcode)?;
        }
    } else if wanted < have {
        let spare = item::newest_available(conn, book_id, have - wanted)?;
        if (spare.len() as i64) < have - wanted {
            return Err(too_few(conn, book_id, have - spare.len() as i64)?);
        }
        for copy in spare {
            item::set_status(conn, copy.id, ItemStatus::Withdrawn)?;
        }
    }
    if held {
        settle(conn, policy, book_id, now)?;
    }
    Ok(())
}

/// Gives a book made in this transaction its first `count` copies, with generated
/// barcodes: what `set_count` does for a book that has no copies and no holds yet,
/// without asking.
pub fn first_copies(conn: &Connection, book_id: BookId, count: i64, prefix: &str) -> ApiResult<()> {
    for barcode in item::next_barcodes(conn, prefix, count.max(0) as usize)? {
        item::add_numbered(conn, book_id, &barcode)?;
    }
    Ok(())
}

/// The copy count cannot go below the copies in use; says which they are.
fn too_few(conn: &Connection, book_id: BookId, least: i64) -> ApiResult<AppError> {
    let on_loan = item::count(conn, book_id, ItemStatus::OnLoan)?;
    let on_shelf = item::count(conn, book_id, ItemStatus::OnHoldShelf)?;
    let away = least - on_loan - on_shelf;
    let mut why = Vec::new();
    match on_loan {
        0 => {}
        1 => why.push("1 copy is out on loan".to_string()),
        n => why.push(format!("{n} copies are out on loan")),
    }
    match (on_shelf, why.is_empty()) {
        (0, _) => {}
        (1, true) => why.push("1 copy waits on the hold shelf".into()),
        (1, false) => why.push("1 waits on the hold shelf".into()),
        (n, true) => why.push(format!("{n} copies wait on the hold shelf")),
        (n, false) => why.push(format!("{n} wait on the hold shelf")),
    }
    if away > 0 {
        why.push(format!("{away} in repair or in transit"));
    }
    Ok(AppError::conflict(
        "copies",
        format!("cannot go below {least}: {}", why.join(" and ")),
    ))
}

/// Moves a copy to `status` by hand (lost, missing, found, in repair, withdrawn, …). A copy
/// on loan marked lost or missing ends its loan (the reader reported it gone); a copy on
/// loan cannot be withdrawn, sent for repair or in transit before it is checked in. One
/// kept on the hold shelf gives its reader back their place in the queue, and the next
/// copy on the shelf goes to them.
pub fn set_status(
    conn: &Connection,
    policy: Policy,
    copy: &Item,
    status: ItemStatus,
    now: i64,
) -> ApiResult<Item> {
    settle(conn, policy, copy.book_id, now)?;
    let copy = item::find(conn, copy.id)?.ok_or(AppError::NotFound)?;
    let code = copy.barcode.as_str();
    if copy.status == status {
        return Ok(copy);
    }
    if matches!(status, ItemStatus::OnLoan | ItemStatus::OnHoldShelf) {
        return Err(AppError::invalid(
            "status",
            "lend a copy or check it in to put it on loan or on the hold shelf",
        ));
    }
    let gone = matches!(status, ItemStatus::Lost | ItemStatus::Missing);
    match copy.status {
        ItemStatus::OnLoan if gone => {
            if let Some(out) = loan::out_for_item(conn, copy.id)? {
                loan::mark_returned(conn, out.id, now)?;
            }
        }
        ItemStatus::OnLoan => {
            return Err(Refusal::new(
                "item_on_loan",
                "status",
                format!("Copy {code} is on loan; check it in first"),
            )
            .param("barcode", code)
            .into())
        }
        ItemStatus::OnHoldShelf => {
            if let Some(kept) = hold::ready_for_item(conn, copy.id)? {
                hold::back_to_waiting(conn, kept.id)?;
            }
        }
        _ => {}
    }
    item::set_status(conn, copy.id, status)?;
    settle(conn, policy, copy.book_id, now)?;
    item::find(conn, copy.id)?.ok_or(AppError::NotFound)
}

/// What adding copies needs from the configuration: the lending policy (a new copy may go
/// to a waiting reader) and the barcode prefix.
#[derive(Debug, Clone)]
pub struct CopyRules {
    pub policy: Policy,
    pub prefix: String,
}

impl CopyRules {
    pub fn from_config(config: &crate::config::Config) -> CopyRules {
        CopyRules {
            policy: Policy::from_config(config),
            prefix: config.item_barcode_prefix.clone(),
        }
    }
}
