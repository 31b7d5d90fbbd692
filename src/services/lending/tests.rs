//! The lending rules on an in-memory database.

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
    loan::insert(&conn, BookId::new(1), UserId::new(1), NOW, NOW + 10).unwrap();
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
        borrow(&conn, policy(), BookId::new(1), UserId::new(3), NOW),
        Err(AppError::Conflict(_))
    ));
    let lent = borrow(&conn, policy(), BookId::new(1), UserId::new(2), NOW).unwrap();
    assert_eq!(lent.due_at, NOW + 14 * DAY);
    assert_eq!(statuses(&conn), vec![(2, HoldStatus::Fulfilled, None)]);
    assert!(matches!(
        borrow(&conn, policy(), BookId::new(9), UserId::new(2), NOW),
        Err(AppError::NotFound)
    ));
}

#[test]
fn a_loan_is_overdue_only_after_its_due_time() {
    let conn = library(1, 1);
    let mut out = loan::insert(&conn, BookId::new(1), UserId::new(1), NOW, NOW + 10).unwrap();
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
        Err(AppError::Conflict(errors)) if errors.contains_key("due_at")
    ));
}

#[test]
fn copies_cover_loans_and_the_hold_shelf_and_the_refusal_says_so() {
    let conn = library(3, 3);
    let refusal = |copies| match check_copies(&conn, BookId::new(1), copies, NOW) {
        Ok(()) => None,
        Err(AppError::Conflict(errors)) => Some(errors["copies"].clone()),
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!(refusal(0), None);
    place_hold(&conn, policy(), BookId::new(1), UserId::new(1), NOW).unwrap();
    assert_eq!(
        refusal(0).as_deref(),
        Some("cannot go below 1: 1 copy waits on the hold shelf")
    );
    borrow(&conn, policy(), BookId::new(1), UserId::new(2), NOW).unwrap();
    borrow(&conn, policy(), BookId::new(1), UserId::new(3), NOW).unwrap();
    assert_eq!(
        refusal(2).as_deref(),
        Some("cannot go below 3: 2 copies are out on loan and 1 waits on the hold shelf")
    );
    assert_eq!(refusal(3), None);
    // Once the pickup time is over, the shelf copy is free again.
    let later = NOW + 3 * DAY;
    assert!(check_copies(&conn, BookId::new(1), 2, later).is_ok());
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
        conn.execute(
            "INSERT INTO books (id, title, author, copies, created_at, modified_at)
             VALUES (?1, 't', 'a', 1, 0, 0)",
            [id],
        )
        .unwrap();
    }
    let two = Policy {
        max_holds: 2,
        ..policy()
    };
    place_hold(&conn, two, BookId::new(1), UserId::new(1), NOW).unwrap();
    place_hold(&conn, two, BookId::new(2), UserId::new(1), NOW).unwrap();
    assert!(matches!(
        place_hold(&conn, two, BookId::new(3), UserId::new(1), NOW),
        Err(AppError::Conflict(errors)) if errors["user_id"].contains("2 open holds")
    ));
    // A ready hold whose pickup time is over no longer counts.
    place_hold(&conn, two, BookId::new(3), UserId::new(1), NOW + 3 * DAY).unwrap();
}
