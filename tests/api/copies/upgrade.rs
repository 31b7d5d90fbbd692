//! The upgrade to items: databases made by old releases (`tests/fixtures/`: one of schema 4,
//! and the `library.db.example` the last release shipped, schema 6) open, each book gets its
//! copies as items, every open loan and ready hold keeps a copy of its own, and no count a
//! client sees moves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;
use library_server::db::Db;
use rusqlite::Connection;

const FIXTURE: &str = "tests/fixtures/release-28fc98c.db";
/// `library.db.example` as release fcb1d33 shipped it (schema 6, before copies had barcodes).
const EXAMPLE: &str = "tests/fixtures/release-fcb1d33.db";

fn copy_of(source: &str, dir: &Path) -> PathBuf {
    let path = dir.join("library.db");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(source), &path)
        .expect("the old database");
    path
}

fn ids(conn: &Connection, sql: &str) -> Vec<i64> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn one(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// What the old schema says, read before the upgrade.
struct Before {
    version: i64,
    /// book id → (copies, available as the old release counted it)
    books: BTreeMap<i64, (i64, i64)>,
    open_loans: Vec<i64>,
    ready_holds: Vec<i64>,
    users: i64,
}

fn before(path: &Path) -> Before {
    let conn = Connection::open(path).unwrap();
    let books = conn
        .prepare(
            "SELECT id, copies, MAX(0, copies
                 - (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL)
                 - (SELECT COUNT(*) FROM holds h WHERE h.book_id = b.id
                      AND (h.status = 'waiting'
                           OR (h.status = 'ready' AND h.ready_until > unixepoch()))))
             FROM books b ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    Before {
        version: one(&conn, "PRAGMA user_version"),
        books,
        open_loans: ids(
            &conn,
            "SELECT id FROM loans WHERE returned_at IS NULL ORDER BY id",
        ),
        ready_holds: ids(
            &conn,
            "SELECT id FROM holds WHERE status = 'ready' ORDER BY id",
        ),
        users: one(&conn, "SELECT COUNT(*) FROM users"),
    }
}

/// Every open loan and ready hold has a copy of its own book, in the matching status, and
/// no copy serves two of them.
fn check_attached(conn: &Connection, before: &Before) {
    let mut taken = BTreeSet::new();
    for (table, wanted, rows) in [
        ("loans", "on_loan", &before.open_loans),
        ("holds", "on_hold_shelf", &before.ready_holds),
    ] {
        for id in rows {
            let (item, status, same_book): (Option<i64>, Option<String>, bool) = conn
                .query_row(
                    &format!(
                        "SELECT t.item_id, i.status, i.book_id = t.book_id
                         FROM {table} t LEFT JOIN items i ON i.id = t.item_id WHERE t.id = ?1"
                    ),
                    [id],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get::<_, Option<bool>>(2)?.unwrap_or(false),
                        ))
                    },
                )
                .unwrap();
            let item = item.unwrap_or_else(|| panic!("{table} {id} has no copy"));
            assert_eq!(status.as_deref(), Some(wanted), "{table} {id}");
            assert!(same_book, "{table} {id}: a copy of its own book");
            assert!(taken.insert(item), "copy {item} serves two ({table} {id})");
        }
    }
    assert_eq!(
        one(conn, "SELECT COUNT(*) FROM items WHERE status = 'on_loan'"),
        before.open_loans.len() as i64
    );
    assert_eq!(
        one(
            conn,
            "SELECT COUNT(*) FROM items WHERE status = 'on_hold_shelf'"
        ),
        before.ready_holds.len() as i64
    );
    assert_eq!(
        ids(
            conn,
            "SELECT id FROM loans WHERE returned_at IS NULL ORDER BY id"
        ),
        before.open_loans,
        "no loan is closed or lost"
    );
}

fn check_sound(conn: &Connection, path: &Path, before: &Before) {
    assert_eq!(
        one(conn, "PRAGMA user_version"),
        library_server::db::schema_version()
    );
    assert_eq!(
        one(conn, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    // Users: each a card of their own.
    assert_eq!(
        one(
            conn,
            "SELECT COUNT(DISTINCT card_number COLLATE NOCASE) FROM users"
        ),
        before.users
    );
    assert_eq!(
        one(conn, "SELECT COUNT(*) FROM users WHERE card_number IS NULL"),
        0
    );
    // The file as it was, kept beside it.
    let backup = PathBuf::from(format!("{}.before-007_items.bak", path.display()));
    let old = Connection::open(&backup).expect("a backup before the items step");
    assert_eq!(one(&old, "PRAGMA user_version"), 6);
    assert_eq!(
        one(&old, "SELECT SUM(copies) FROM books"),
        before.books.values().map(|(c, _)| c).sum::<i64>()
    );
}

/// The upgraded database as clients see it: every book's copies and available as before,
/// and the sequences carry on after the migrated barcodes and cards.
fn check_served(path: &Path, before: &Before, items: i64) {
    let database = path.to_path_buf();
    let app = TestApp::with(|mut config| {
        config.database = database;
        config
    });
    for (id, &(copies, available)) in &before.books {
        assert_eq!(counts(&app, *id), (copies, available), "book {id}");
    }
    let token = app
        .post(
            "/users/login",
            None,
            json!({"email": "admin@demo.library", "password": "demo-admin-pass"}),
        )
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let first = *before.books.keys().next().unwrap();
    let added = app
        .post(&format!("/books/{first}/items"), Some(&token), json!({}))
        .expect(201);
    assert_eq!(added.result()["barcode"], format!("{:06}", items + 1));
    let newcomer = app.register("newcomer");
    let panel = app
        .get(&format!("/patrons/{}", newcomer["id"]), Some(&token))
        .expect(200);
    let card = panel.result()["patron"]["card_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(card, format!("P{:06}", newcomer["id"].as_i64().unwrap()));
}

fn upgrades_with_every_copy_loan_and_hold_kept(source: &str, version: i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of(source, dir.path());
    let before = before(&path);
    assert_eq!(before.version, version);
    assert!(!before.open_loans.is_empty() && !before.ready_holds.is_empty());
    drop(Db::open(&path).expect("the old database opens and migrates"));

    let conn = Connection::open(&path).unwrap();
    for (id, &(copies, _)) in &before.books {
        let items = one(
            &conn,
            &format!("SELECT COUNT(*) FROM items WHERE book_id = {id}"),
        );
        assert_eq!(items, copies, "book {id}: one item per old copy");
    }
    let items = one(&conn, "SELECT COUNT(*) FROM items");
    assert_eq!(items, before.books.values().map(|(c, _)| c).sum::<i64>());
    assert_eq!(
        one(&conn, "SELECT COUNT(*) FROM items WHERE needs_review = 1"),
        0
    );
    let codes: Vec<String> = conn
        .prepare("SELECT barcode FROM items ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let numbered: Vec<String> = (1..=items).map(|n| format!("{n:06}")).collect();
    assert_eq!(codes, numbered, "barcodes 000001… in book order");
    check_attached(&conn, &before);
    check_sound(&conn, &path, &before);
    drop(conn);
    check_served(&path, &before, items);
}

#[test]
fn the_previous_release_database_gets_an_item_per_copy() {
    upgrades_with_every_copy_loan_and_hold_kept(FIXTURE, 4);
}

#[test]
fn the_committed_example_gets_an_item_per_copy() {
    upgrades_with_every_copy_loan_and_hold_kept(EXAMPLE, 6);
}

/// An old bug could lend more copies than a book had: the upgrade makes extra items for
/// the review list rather than leave a loan (or a ready hold) without a copy.
#[test]
fn more_loans_than_copies_make_extra_items_flagged_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of(FIXTURE, dir.path());
    let (over_lent, over_held) = {
        let conn = Connection::open(&path).unwrap();
        let over_lent = one(
            &conn,
            "SELECT book_id FROM loans WHERE returned_at IS NULL
             GROUP BY book_id HAVING COUNT(*) >= 2 ORDER BY book_id LIMIT 1",
        );
        let over_held = one(
            &conn,
            "SELECT book_id FROM holds WHERE status = 'ready' ORDER BY id LIMIT 1",
        );
        // Two loans out on a book of one copy; a ready hold on a book of none.
        conn.execute("UPDATE books SET copies = 1 WHERE id = ?1", [over_lent])
            .unwrap();
        conn.execute("UPDATE books SET copies = 0 WHERE id = ?1", [over_held])
            .unwrap();
        (over_lent, over_held)
    };
    let before = before(&path);
    drop(Db::open(&path).expect("the old database migrates"));

    let conn = Connection::open(&path).unwrap();
    check_attached(&conn, &before);
    let flagged = |book: i64| -> Vec<(String, bool)> {
        conn.prepare("SELECT status, needs_review FROM items WHERE book_id = ?1 ORDER BY id")
            .unwrap()
            .query_map([book], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        flagged(over_lent),
        [
            ("on_loan".to_string(), false),
            ("on_loan".to_string(), true)
        ]
    );
    assert_eq!(flagged(over_held), [("on_hold_shelf".to_string(), true)]);
    assert_eq!(
        one(&conn, "SELECT COUNT(*) FROM items WHERE needs_review = 1"),
        2
    );
    assert_eq!(
        one(&conn, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    drop(conn);

    // Staff see the flag, and editing the copy clears it.
    let database = path.clone();
    let app = TestApp::with(|mut config| {
        config.database = database;
        config
    });
    let token = app
        .post(
            "/users/login",
            None,
            json!({"email": "librarian@demo.library", "password": "demo-librarian-pass"}),
        )
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = items(&app, &token, over_lent);
    assert_eq!(listed[1]["needs_review"], true);
    assert!(listed[1]["note"].as_str().unwrap().contains("upgrade"));
    assert!(listed[1]["on_loan_to"].is_object());
    let checked = app
        .patch(
            &format!("/items/{}", listed[1]["id"]),
            Some(&token),
            json!({"note": "checked"}),
        )
        .expect(200);
    assert_eq!(checked.result()["needs_review"], false);
    assert_eq!(counts(&app, over_lent), (2, 0), "the copies really out");
}
