//! The lending rules on an in-memory database.

use super::*;
use rusqlite::params;

const NOW: i64 = 1_700_000_000;

fn policy() -> Policy {
    Policy::from_config(&Config::default())
}

/// A database with `users` users and one book of `copies` copies (id 1).
fn library(users: i64, copies: i64) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    for sql in [
        include_str!("../../../migrations/001_init.sql"),
        include_str!("../../../migrations/002_books.sql"),
        include_str!("../../../migrations/003_circulation.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
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
