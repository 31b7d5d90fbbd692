//! The commands, the configuration layers, and a first start with no setup.

use std::process::{Command, Stdio};

use super::run;
use crate::common::process::{free_port, http, post_form, status_of, Server, BIN};

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
