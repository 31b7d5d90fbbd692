//! A database of the previous release (schema 12: the demo library made by commit 68edaeb)
//! migrates to notices and the calendar, and its loans yield notices at once.

use library_server::config::Config;
use library_server::domain::calendar::Day;
use serde_json::json;

use crate::common::TestApp;

const PREVIOUS_RELEASE: &str = "tests/fixtures/release-68edaeb.db";

#[test]
fn the_previous_releases_loans_yield_notices_after_the_upgrade() {
    let old = tempfile::tempdir().unwrap();
    let path = old.path().join("library.db");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PREVIOUS_RELEASE),
        &path,
    )
    .unwrap();
    let count = |conn: &rusqlite::Connection, sql: &str| -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let (loans, readers_out, last_due) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        assert_eq!(count(&conn, "PRAGMA user_version"), 12);
        (
            count(&conn, "SELECT COUNT(*) FROM loans"),
            count(
                &conn,
                "SELECT COUNT(DISTINCT user_id) FROM loans WHERE returned_at IS NULL",
            ),
            count(
                &conn,
                "SELECT MAX(due_at) FROM loans WHERE returned_at IS NULL",
            ),
        )
    };
    assert!(readers_out >= 5, "the demo lends to several readers");
    let moved = path.clone();
    let app = TestApp::with(move |c| Config {
        database: moved,
        ..c
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(
        count(&conn, "PRAGMA user_version"),
        library_server::db::schema_version()
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM loans"), loans);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM notices"), 0);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");

    // The demo's admin signs in as before; the calendar is open every day.
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
    let calendar = app.get("/calendar", None).expect(200);
    assert_eq!(
        calendar.result()["open_weekdays"],
        json!([1, 2, 3, 4, 5, 6, 7])
    );

    // The day after the last due date every loan out is overdue: one reminder a reader,
    // into the outbox (no mail server here).
    let day = Day::of(last_due).plus(1);
    let report = app
        .post(
            "/notices/run",
            Some(&token),
            json!({"today": day.to_string()}),
        )
        .expect(200);
    let overdue = app
        .get("/notices?kind=overdue&per_page=100", Some(&token))
        .expect(200);
    let overdue = overdue.result().as_array().unwrap().clone();
    assert_eq!(overdue.len() as i64, readers_out, "{}", report.body);
    let mails = std::fs::read_dir(app.data_dir().join("outbox"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("notice-"))
        .count();
    assert_eq!(mails as i64, report.result()["sent"].as_i64().unwrap());
    assert!(mails as i64 >= readers_out);
}
