//! The upgrade to patron records: the `library.db.example` release 801248f shipped
//! (schema 7) opens, keeps every person, loan and hold, and works as before — the
//! existing accounts sign in, registration stays open, loans keep their readers.

use std::path::Path;

use crate::common::TestApp;
use library_server::db::Db;
use rusqlite::Connection;
use serde_json::json;

const EXAMPLE: &str = "tests/fixtures/release-801248f.db";

fn one(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// (users, loans, open loans, holds, loans with a reader)
fn counts(conn: &Connection) -> (i64, i64, i64, i64, i64) {
    (
        one(conn, "SELECT COUNT(*) FROM users"),
        one(conn, "SELECT COUNT(*) FROM loans"),
        one(conn, "SELECT COUNT(*) FROM loans WHERE returned_at IS NULL"),
        one(conn, "SELECT COUNT(*) FROM holds"),
        one(conn, "SELECT COUNT(*) FROM loans WHERE user_id IS NOT NULL"),
    )
}

#[test]
fn the_last_releases_database_upgrades_with_everyone_and_every_loan_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE), &path).unwrap();
    let old = Connection::open(&path).unwrap();
    assert_eq!(one(&old, "PRAGMA user_version"), 7);
    // As if the newest user and loan had been deleted before the upgrade: their ids must
    // not come back.
    old.execute_batch("UPDATE sqlite_sequence SET seq = 500 WHERE name IN ('users', 'loans')")
        .unwrap();
    let before = counts(&old);
    let people: Vec<(i64, String, String, Option<String>)> = old
        .prepare("SELECT id, username, email, card_number FROM users ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(old);

    drop(Db::open(&path).expect("the old database opens and migrates"));
    let conn = Connection::open(&path).unwrap();
    assert_eq!(
        one(&conn, "PRAGMA user_version"),
        library_server::db::schema_version()
    );
    assert_eq!(counts(&conn), before, "no person or loan lost, no link cut");
    assert_eq!(before.1, before.4, "every old loan had its reader");
    let after: Vec<(i64, String, String, Option<String>)> = conn
        .prepare("SELECT id, username, email, card_number FROM users ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(after, people);
    assert_eq!(
        one(
            &conn,
            "SELECT MIN(seq) FROM sqlite_sequence WHERE name IN ('users', 'loans')"
        ),
        500,
        "ids are never handed out twice"
    );
    assert_eq!(
        one(&conn, "SELECT COUNT(*) FROM users WHERE status <> 'active'"),
        0
    );
    assert_eq!(
        one(
            &conn,
            "SELECT COUNT(*) FROM loans l JOIN users u ON u.id = l.user_id
             WHERE l.group_name IS NOT u.group_name"
        ),
        0,
        "each loan remembers its reader's group"
    );
    let fk: i64 = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |_| Ok(()))
        .unwrap()
        .count() as i64;
    assert_eq!(fk, 0);
    let backups = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().contains("008_patrons")
        })
        .count();
    assert_eq!(backups, 1, "a backup before the rebuild");
    drop(conn);

    let database = path.clone();
    let app = TestApp::with(|mut config| {
        config.database = database;
        config
    });
    let login = app
        .post(
            "/users/login",
            None,
            json!({"email": "admin@demo.library", "password": "demo-admin-pass"}),
        )
        .expect(200);
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let settings = app.get("/settings", Some(&token)).expect(200);
    assert_eq!(settings.result()["registration"], "open");
    let newcomer = app.register("newcomer");
    assert_eq!(newcomer["id"], 501);
    let loans = app.get("/loans?per_page=100", Some(&token)).expect(200);
    assert_eq!(loans.body["meta"]["total"], before.1);
    assert!(loans
        .result()
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["user_id"].is_i64()));
}
