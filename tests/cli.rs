//! The binary itself: commands, configuration layers, and a first start with no setup.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::process::{free_port, http, post_form, status_of, Server, BIN};

#[test]
fn first_start_in_an_empty_folder_creates_and_migrates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // No flags and no Rocket.toml here: only the environment layer picks the port.
    let child = Command::new(BIN)
        .current_dir(dir.path())
        .env("LIBRARY_PORT", port.to_string())
        .env("LIBRARY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    let answer = server.wait_until_up();
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(answer.contains(r#"{"status":"ok"}"#));
    assert!(
        dir.path().join("library.db").exists(),
        "library.db is the default"
    );
    assert!(dir.path().join("data/images/profile").is_dir());
    let answer = post_form(
        port,
        "/users/register",
        "email=ann%40example.org&username=ann&password=password-1",
    )
    .unwrap();
    assert_eq!(status_of(&answer), 201, "{answer}");
    let version: i64 = rusqlite::Connection::open(dir.path().join("library.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(version >= 3);
}

#[test]
fn flags_win_over_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--database",
            "custom.db",
            "--data-dir",
            "files",
        ])
        .env("LIBRARY_PORT", "1")
        .env("LIBRARY_DATABASE", "ignored.db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    server.wait_until_up();
    assert!(dir.path().join("custom.db").exists());
    assert!(!dir.path().join("ignored.db").exists());
    assert!(dir.path().join("files/images").is_dir());
}

fn run(dir: &Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env("LIBRARY_BCRYPT_COST", "4")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_and_create_admin() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = run(dir.path(), &["migrate", "--database", "lib.db"], "");
    assert!(ok && out.contains("schema version"), "{out}");

    let (ok, out, err) = run(
        dir.path(),
        &[
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--username",
            "boss",
            "--database",
            "lib.db",
        ],
        "a-long-password\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("created admin boss"));
    let (role, hash): (String, String) = rusqlite::Connection::open(dir.path().join("lib.db"))
        .unwrap()
        .query_row(
            "SELECT role, password_hash FROM users WHERE email = 'boss@example.org'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(role, "admin");
    assert!(bcrypt::verify("a-long-password", &hash).unwrap());
    assert!(!out.contains(&hash) && !err.contains("a-long-password"));

    // The same account again, a short password, and a password flag are all refused.
    let (ok, _, err) = run(
        dir.path(),
        &[
            "create-admin",
            "--email",
            "boss@example.org",
            "--username",
            "boss2",
            "--database",
            "lib.db",
        ],
        "a-long-password\n",
    );
    assert!(!ok && err.contains("email already in use"), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &[
            "create-admin",
            "--email",
            "x@example.org",
            "--username",
            "xavier",
            "--database",
            "lib.db",
        ],
        "short\n",
    );
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, _, _) = run(
        dir.path(),
        &[
            "create-admin",
            "--email",
            "x@example.org",
            "--username",
            "xavier",
            "--password",
            "a-long-password",
        ],
        "",
    );
    assert!(!ok, "a password is never taken from a flag");
}

#[test]
fn a_database_newer_than_the_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("future.db")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let (ok, _, err) = run(dir.path(), &["migrate", "--database", "future.db"], "");
    assert!(!ok && err.contains("newer"), "{err}");
}

#[test]
fn a_method_the_server_does_not_know_is_405_on_a_known_path() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let ask = |method: &str, path: &str| {
        http(
            server.port,
            &format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        )
        .unwrap()
    };
    let answer = ask("QUERY", "/health");
    assert_eq!(status_of(&answer), 405, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("allow: get"),
        "{answer}"
    );
    assert!(answer.contains(r#""message":"METHOD NOT ALLOWED""#));
    assert_eq!(status_of(&ask("QUERY", "/users/register")), 405);
    assert_eq!(status_of(&ask("QUERY", "/no/such/path")), 400);
}

#[test]
fn import_and_export_on_the_command_line_write_in_chunks_and_match_by_id() {
    let dir = tempfile::tempdir().unwrap();
    // More rows than one chunk holds, none with an ISBN, a few of them bad.
    let mut csv = String::from("title,author\n");
    for n in 0..1_200 {
        csv.push_str(&format!("Pamphlet {n},Parish\n"));
    }
    csv.push_str(",Nobody\n,Nobody\n");
    std::fs::write(dir.path().join("in.csv"), csv).unwrap();
    let (ok, out, err) = run(
        dir.path(),
        &["import", "in.csv", "--database", "lib.db"],
        "",
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("1200 created, 0 updated, 2 skipped, 2 problems reported"),
        "{out}"
    );
    assert!(
        err.contains("in.csv: line 1202: title is required"),
        "{err}"
    );
    assert!(
        err.contains("in.csv: line 1203: title is required"),
        "{err}"
    );

    let (ok, out, err) = run(
        dir.path(),
        &["export", "out.csv", "--database", "lib.db"],
        "",
    );
    assert!(ok && out.contains("exported 1200 books"), "{out}{err}");
    let exported = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(exported.lines().next().unwrap().ends_with(",instance_id"));
    // Its own export goes back in as updates: nothing is duplicated.
    let (ok, out, err) = run(
        dir.path(),
        &["import", "out.csv", "--database", "lib.db"],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("0 created, 1200 updated, 0 skipped"), "{out}");
    let books: i64 = rusqlite::Connection::open(dir.path().join("lib.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM books", [], |r| r.get(0))
        .unwrap();
    assert_eq!(books, 1200);
}
