//! The lending rules on an in-memory database.

use super::*;
use crate::domain::item::ItemStatus;
use rusqlite::params;

const NOW: i64 = 1_700_000_000;
const B1: BookId = BookId::new(1);

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
    add_book(&conn, 1, copies);
    conn
}

fn add_book(conn: &Connection, id: i64, copies: i64) {
    conn.execute(
        "INSERT INTO books (id, title, author, created_at, modified_at)
         VALUES (?1, 't', 'a', 0, 0)",
        [id],
    )
    .unwrap();
    crate::services::copies::set_count(conn, policy(), BookId::new(id), copies, "", NOW).unwrap();
}

fn patron(conn: &Connection, id: i64) -> User {
    crate::models::user::find(conn, UserId::new(id))
        .unwrap()
        .unwrap()
}

const DESK: Actor = Actor {
    id: UserId::new(1),
    staff: true,
};

fn lend_to(conn: &Connection, book_id: i64, user_id: i64, now: i64) -> ApiResult<Loan> {
    borrow(
        conn,
        policy(),
        DESK,
        BookId::new(book_id),
        &patron(conn, user_id),
        now,
    )
}

fn first_copy(conn: &Connection) -> item::Item {
    item::first_available(conn, BookId::new(1))
        .unwrap()
        .unwrap()
}

fn statuses(conn: &Connection) -> Vec<(i64, HoldStatus, Option<i64>)> {
    conn.prepare("SELECT id FROM holds ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get::<_, HoldId>(0))
        .unwrap()
        .map(|id| {
            let held = hold::find(conn, id.unwrap()).unwrap().unwrap();
            (held.user_id.get(), held.status, held.position)
        })
        .collect()
}

#[test]
fn settle_readies_only_as_many_holds_as_there_are_spare_copies() {
    let conn = library(4, 2);
    loan::insert(&conn, &first_copy(&conn), UserId::new(1), NOW, NOW + 10).unwrap();
    item::set_status(&conn, first_copy(&conn).id, ItemStatus::OnLoan).unwrap();
    for user in 2..=4 {
        hold::insert(&conn, BookId::new(1), UserId::new(user), NOW).unwrap();
    }
    settle(&conn, policy(), BookId::new(1), NOW).unwrap();
    settle(&conn, policy(), BookId::new(1), NOW).unwrap();
    assert_eq!(
        statuses(&conn),
        vec![
            (2, HoldStatus::Ready, Some(0)),
            (3, HoldStatus::Waiting, Some(1)),
            (4, HoldStatus::Waiting, Some(2)),
        ]
    );
    let ready = hold::find_open(&conn, UserId::new(2), BookId::new(1))
        .unwrap()
        .unwrap();
    assert_eq!(ready.ready_until, Some(NOW + 3 * DAY));
}

#[test]
fn a_lapsed_hold_expires_and_its_copy_goes_to_the_next() {
    let conn = library(3, 1);
    hold::insert(&conn, BookId::new(1), UserId::new(2), NOW).unwrap();
    hold::insert(&conn, BookId::new(1), UserId::new(3), NOW).unwrap();
    settle(&conn, policy(), BookId::new(1), NOW).unwrap();
    // Still within the pickup time at its last second.
    settle(&conn, policy(), BookId::new(1), NOW + 3 * DAY - 1).unwrap();
    assert_eq!(statuses(&conn)[0].1, HoldStatus::Ready);

    let later = NOW + 3 * DAY;
    settle(&conn, policy(), BookId::new(1), later).unwrap();
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
    place_hold(&conn, policy(), BookId::new(1), UserId::new(2), NOW).unwrap();
    assert!(matches!(
        lend_to(&conn, 1, 3, NOW),
        Err(AppError::Refused(refusal)) if refusal.code == "no_copy_free"
    ));
    let lent = lend_to(&conn, 1, 2, NOW).unwrap();
    assert_eq!(lent.due_at, NOW + 14 * DAY);
    assert_eq!(statuses(&conn), vec![(2, HoldStatus::Fulfilled, None)]);
    assert!(matches!(lend_to(&conn, 9, 2, NOW), Err(AppError::NotFound)));
}

#[test]
fn a_loan_is_overdue_only_after_its_due_time() {
    let conn = library(1, 1);
    let mut out = loan::insert(&conn, &first_copy(&conn), UserId::new(1), NOW, NOW + 10).unwrap();
    assert_eq!(out.status(NOW + 10), LoanStatus::Active);
    assert_eq!(out.status(NOW + 11), LoanStatus::Overdue);
    out.returned_at = Some(NOW + 20);
    assert_eq!(out.status(NOW + 30), LoanStatus::Returned);
    conn.execute("UPDATE loans SET due_at = ?1", params![NOW - 1])
        .unwrap();
    let actor = Actor {
        id: UserId::new(1),
        staff: false,
    };
    assert!(matches!(
        renew(&conn, policy(), actor, out.id, NOW),
        Err(AppError::Refused(refusal)) if refusal.code == "loan_overdue" && refusal.field == "due_at"
    ));
}

#[test]
fn copies_cover_loans_and_the_hold_shelf_and_the_refusal_says_so() {
    let conn = library(3, 3);
    let set = |copies| crate::services::copies::set_count(&conn, policy(), B1, copies, "", NOW);
    let refusal = |copies| match set(copies) {
        Ok(()) => None,
        Err(AppError::Conflict(errors)) => Some(errors["copies"].clone()),
        Err(e) => panic!("{e:?}"),
    };
    place_hold(&conn, policy(), B1, UserId::new(1), NOW).unwrap();
    assert_eq!(
        refusal(0).as_deref(),
        Some("cannot go below 1: 1 copy waits on the hold shelf")
    );
    lend_to(&conn, 1, 2, NOW).unwrap();
    lend_to(&conn, 1, 3, NOW).unwrap();
    assert_eq!(
        refusal(2).as_deref(),
        Some("cannot go below 3: 2 copies are out on loan and 1 waits on the hold shelf")
    );
    assert_eq!(refusal(3), None);
    assert_eq!(refusal(5), None);
    assert_eq!(item::copies(&conn, B1).unwrap(), 5);
    assert_eq!(
        refusal(3),
        None,
        "the two new copies on the shelf are withdrawn"
    );
    assert_eq!(item::count(&conn, B1, ItemStatus::Withdrawn).unwrap(), 2);
    // Once the pickup time is over, the shelf copy is free again.
    let later = NOW + 3 * DAY;
    assert!(crate::services::copies::set_count(&conn, policy(), B1, 2, "", later).is_ok());
}

#[test]
fn a_returned_copy_goes_to_the_hold_shelf_for_the_first_in_line() {
    let conn = library(3, 1);
    let lent = lend_to(&conn, 1, 2, NOW).unwrap();
    place_hold(&conn, policy(), B1, UserId::new(3), NOW).unwrap();
    let code = lent.barcode.clone().unwrap();
    let back = check_in(&conn, policy(), &code, NOW + 1).unwrap();
    assert_eq!(back.next, Next::HoldShelf);
    assert_eq!(back.item.status, ItemStatus::OnHoldShelf);
    assert_eq!(back.hold.unwrap().1.id, UserId::new(3));
    // The copy is kept: someone else scanning it at the desk is told for whom.
    let copy = item::find_by_barcode(&conn, &code).unwrap().unwrap();
    assert!(matches!(
        lend(&conn, policy(), DESK, copy.clone(), &patron(&conn, 1), NOW + 2),
        Err(AppError::Refused(r)) if r.code == "item_on_hold_shelf" && r.detail.contains("u3")
    ));
    let taken = lend(&conn, policy(), DESK, copy, &patron(&conn, 3), NOW + 2).unwrap();
    assert_eq!(taken.item_id, Some(back.item.id));
    assert_eq!(statuses(&conn)[0].1, HoldStatus::Fulfilled);
}

#[test]
fn listings_read_a_lapsed_hold_as_expired_without_writing() {
    let conn = library(3, 1);
    place_hold(&conn, policy(), BookId::new(1), UserId::new(2), NOW).unwrap();
    place_hold(&conn, policy(), BookId::new(1), UserId::new(3), NOW).unwrap();
    let later = NOW + 3 * DAY;
    let shown = |status| {
        let filter = hold::HoldFilter {
            status,
            ..Default::default()
        };
        let page = crate::models::Page {
            page: 1,
            per_page: 20,
        };
        let (holds, total) = hold::list(&conn, filter, later, page).unwrap();
        let rows: Vec<_> = holds
            .iter()
            .map(|h| (h.user_id.get(), h.status, h.position))
            .collect();
        (rows, total)
    };
    assert_eq!(
        shown(None),
        (
            vec![
                (2, HoldStatus::Expired, None),
                (3, HoldStatus::Waiting, Some(1))
            ],
            2
        )
    );
    assert_eq!(shown(Some(HoldStatus::Ready)), (vec![], 0));
    assert_eq!(shown(Some(HoldStatus::Expired)).1, 1);
    // As recorded, it is still ready until a write settles the book.
    assert_eq!(statuses(&conn)[0].1, HoldStatus::Ready);
    assert_eq!(
        hold::books_to_settle(&conn, later).unwrap(),
        vec![BookId::new(1)]
    );
    assert_eq!(settle_due(&conn, policy(), later).unwrap(), 1);
    assert_eq!(
        statuses(&conn),
        vec![
            (2, HoldStatus::Expired, None),
            (3, HoldStatus::Ready, Some(0))
        ]
    );
    assert!(hold::books_to_settle(&conn, later).unwrap().is_empty());
}

#[test]
fn a_member_holds_at_most_max_holds_books() {
    let conn = library(1, 1);
    for id in 2..=3 {
        add_book(&conn, id, 1);
    }
    let two = Policy {
        max_holds: 2,
        ..policy()
    };
    place_hold(&conn, two, BookId::new(1), UserId::new(1), NOW).unwrap();
    place_hold(&conn, two, BookId::new(2), UserId::new(1), NOW).unwrap();
    assert!(matches!(
        place_hold(&conn, two, BookId::new(3), UserId::new(1), NOW),
        Err(AppError::Refused(refusal))
            if refusal.code == "hold_limit" && refusal.detail.contains("2 open holds")
    ));
    // A ready hold whose pickup time is over no longer counts.
    place_hold(&conn, two, BookId::new(3), UserId::new(1), NOW + 3 * DAY).unwrap();
}
