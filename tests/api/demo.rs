//! `library-server demo PATH`, and the committed `library.db.example` it produced: both must
//! be databases the current server serves as documented.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::process::{http, status_of, Server, BIN};
use serde_json::{json, Value};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env("LIBRARY_BCRYPT_COST", "4")
        .env("LIBRARY_LOG", "warn")
        .output()
        .unwrap()
}

fn demo(dir: &Path, name: &str) -> PathBuf {
    let out = run(dir, &["demo", name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("admin@demo.library"), "{stdout}");
    dir.join(name)
}

/// One request to the server: (status, parsed body).
fn call(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let answer = http(
        port,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .expect("the server answers");
    let json = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (
        status_of(&answer),
        serde_json::from_str(json).unwrap_or(Value::Null),
    )
}

fn login(port: u16, email: &str, password: &str) -> String {
    let (status, body) = call(
        port,
        "POST",
        "/users/login",
        None,
        Some(json!({"email": email, "password": password})),
    );
    assert_eq!(status, 200, "login {email}: {body}");
    body["access_token"].as_str().unwrap().to_string()
}

#[test]
fn the_demo_library_is_served_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path(), "demo.db");
    for leftover in ["demo.db-wal", "demo.db-shm", "demo.db.part"] {
        assert!(
            !dir.path().join(leftover).exists(),
            "{leftover} left behind"
        );
    }
    let server = Server::start(dir.path(), &["--database", db.to_str().unwrap()]);
    let port = server.port;

    let admin = login(port, "admin@demo.library", "demo-admin-pass");
    let (status, me) = call(port, "GET", "/users/me", Some(&admin), None);
    assert_eq!((status, &me["result"]["role"]), (200, &json!("admin")));

    let (status, books) = call(port, "GET", "/books?per_page=100", None, None);
    assert_eq!(status, 200);
    assert!(books["meta"]["total"].as_i64().unwrap() >= 30, "{books}");
    assert!(books["result"].as_array().unwrap().len() >= 30);

    let librarian = login(port, "librarian@demo.library", "demo-librarian-pass");
    // The pupils have no e-mail: they sign in with their card and PIN, as the README says.
    for (card, name) in [("P000011", "Ava Diaz"), ("P000012", "Kofi Mensah")] {
        let (status, body) = call(
            port,
            "POST",
            "/users/login",
            None,
            Some(json!({"card_number": card, "pin": "1234"})),
        );
        assert_eq!(status, 200, "{card}: {body}");
        assert_eq!(body["result"]["full_name"], name);
        assert!(body["result"]["email"].is_null());
    }
    let (status, overdue) = call(port, "GET", "/loans?status=overdue", Some(&librarian), None);
    assert_eq!(status, 200, "{overdue}");
    assert!(overdue["meta"]["total"].as_i64().unwrap() >= 1, "{overdue}");
    let (status, returned) = call(port, "GET", "/loans?status=returned", Some(&admin), None);
    assert_eq!(status, 200);
    assert!(
        returned["meta"]["total"].as_i64().unwrap() >= 1,
        "{returned}"
    );

    let (status, holds) = call(port, "GET", "/holds", Some(&librarian), None);
    assert_eq!(status, 200, "{holds}");
    let statuses: Vec<&str> = holds["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["status"].as_str())
        .collect();
    assert!(statuses.contains(&"waiting"), "{holds}");
    assert!(statuses.contains(&"ready"), "{holds}");

    // A member borrows a free book and brings it back.
    let member = login(port, "noah.k@demo.library", "demo-member-pass");
    let (_, free) = call(port, "GET", "/books?available=true", None, None);
    let book_id = free["result"][0]["id"].as_i64().expect("a free book");
    let (status, lent) = call(
        port,
        "POST",
        "/loans",
        Some(&member),
        Some(json!({"book_id": book_id})),
    );
    assert_eq!(status, 201, "{lent}");
    assert_eq!(lent["result"]["status"], "active");
    let loan_id = lent["result"]["id"].as_i64().unwrap();
    let (status, back) = call(
        port,
        "POST",
        &format!("/loans/{loan_id}/return"),
        Some(&member),
        None,
    );
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["result"]["status"], "returned");
}

#[test]
fn the_committed_example_opens_and_migrates_with_this_binary() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("library.db.example");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("example.db");
    std::fs::copy(&committed, &copy).unwrap();

    let out = run(dir.path(), &["migrate", "--database", "example.db"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, library_server::db::schema_version());
    let books: i64 = conn
        .query_row("SELECT COUNT(*) FROM books", [], |r| r.get(0))
        .unwrap();
    assert!(books >= 30);
    // Each copy makes its own signing key on first start; a shared one would let anyone
    // who has the example forge tokens for every server started from it.
    let keys: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM settings WHERE key = 'jwt_secret'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(keys, 0, "the example must not carry a JWT secret");
}

#[test]
fn demo_refuses_an_existing_path() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("taken.db");
    std::fs::write(&target, b"precious").unwrap();
    let out = run(dir.path(), &["demo", "taken.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
}

/// Every copy of a demo names itself when it first starts: a shared instance id would make
/// one copy take another's exports for its own, a shared JWT secret would let tokens pass
/// between them.
#[test]
fn a_fresh_demo_carries_no_name_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path(), "fresh.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let named: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM settings WHERE key IN ('instance_id', 'jwt_secret')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(named, 0);
}
