//! What the binary does at start, wherever it is started from.

use std::path::Path;
use std::process::{Command, Stdio};

use super::run;
use crate::common;
use crate::common::process::{
    free_port, http_tolerant, post_form, server_log, start_logged, status_of, Server, BIN,
};

#[test]
fn without_a_rocket_toml_the_documented_body_limits_still_apply() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!dir.path().join("Rocket.toml").exists());
    let server = Server::start(dir.path(), &[]);
    // 100 KiB of JSON: over the documented 64 KiB, under Rocket's own 1 MiB.
    let body = format!(
        r#"{{"email":"ann@example.org","username":"ann","password":"{}"}}"#,
        "x".repeat(100 * 1024)
    );
    let head = format!(
        "POST /users/register HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let answer = http_tolerant(server.port, &head, body.as_bytes());
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(answer.contains(r#""status":413"#), "{answer}");
}

#[test]
fn a_database_that_is_not_sqlite_is_refused_at_once_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"title,author\nDune,Frank Herbert\n".to_vec();
    let picture = common::png(4, 4);
    std::fs::write(dir.path().join("books.csv"), &text).unwrap();
    std::fs::write(dir.path().join("cover.png"), &picture).unwrap();
    for (name, bytes) in [("books.csv", &text), ("cover.png", &picture)] {
        let port = free_port().to_string();
        let child = Command::new(BIN)
            .current_dir(dir.path())
            .args(["serve", "--port", &port, "--database", name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            port: port.parse().unwrap(),
        };
        // Well under the 30 s the connection pool used to spend retrying before it gave up.
        let status = server
            .wait_exit(std::time::Duration::from_secs(15))
            .unwrap_or_else(|| panic!("the server kept trying to open {name}"));
        assert!(!status.success());
        let mut err = String::new();
        std::io::Read::read_to_string(&mut server.child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains(name), "{err}");
        assert!(err.contains("not an SQLite database"), "{err}");
        assert_eq!(&std::fs::read(dir.path().join(name)).unwrap(), bytes);
        assert!(!dir.path().join(format!("{name}-wal")).exists());
        assert!(!dir.path().join(format!("{name}-shm")).exists());
    }
    // The same for the one-shot commands.
    let (ok, _, err) = run(dir.path(), &["migrate", "--database", "books.csv"], "");
    assert!(!ok && err.contains("books.csv"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("books.csv")).unwrap(), text);
}

#[test]
fn a_mistyped_setting_is_warned_about_with_the_key_meant() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Rocket.toml"),
        "[default]\nbcrypt_cots = 12\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["migrate", "--database", "lib.db"])
        .env("LIBRARY_LOAN_DAYZ", "21")
        .env("LIBRARY_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("`loan_dayz`"), "{err}");
    assert!(err.contains("LIBRARY_LOAN_DAYZ"), "{err}");
    assert!(err.contains("did you mean `loan_days`?"), "{err}");
    assert!(err.contains("`bcrypt_cots`"), "{err}");
    assert!(err.contains("Rocket.toml"), "{err}");
    assert!(err.contains("did you mean `bcrypt_cost`?"), "{err}");

    // Known keys alone: no warning.
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["migrate", "--database", "lib.db"])
        .env("ROCKET_CONFIG", "none.toml")
        .env("LIBRARY_LOAN_DAYS", "21")
        .env("LIBRARY_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !err.contains("unknown setting"),
        "{err}"
    );
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Waits (bounded) for the outbox to hold a mail; its path.
fn first_outbox_mail(outbox: &Path) -> std::path::PathBuf {
    for _ in 0..200 {
        let found = std::fs::read_dir(outbox)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "eml"));
        if let Some(path) = found {
            return path;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no mail in {}", outbox.display());
}

#[cfg(unix)]
#[test]
fn the_database_its_wal_backups_and_outbox_mail_are_the_owners_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let answer = post_form(
        server.port,
        "/users/register",
        "email=ann%40example.org&username=ann&password=password-1",
    )
    .unwrap();
    assert_eq!(status_of(&answer), 201, "{answer}");
    let answer = post_form(
        server.port,
        "/users/password/forgot",
        "email=ann%40example.org",
    )
    .unwrap();
    assert_eq!(status_of(&answer), 200, "{answer}");
    let mail = first_outbox_mail(&dir.path().join("data/outbox"));
    for file in ["library.db", "library.db-wal", "library.db-shm"] {
        assert_eq!(mode(&dir.path().join(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&mail), 0o600, "{}", mail.display());
    assert_eq!(mode(&dir.path().join("data/outbox")), 0o700);

    let (ok, out, err) = run(dir.path(), &["backup", "copy.db"], "");
    assert!(ok, "{out}{err}");
    assert_eq!(mode(&dir.path().join("copy.db")), 0o600);
}

#[test]
fn reset_links_point_at_a_reachable_address_and_a_missing_public_url_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_logged(dir.path(), &["--address", "0.0.0.0"], &[]);
    let answer = post_form(
        server.port,
        "/users/register",
        "email=ann%40example.org&username=ann&password=password-1",
    )
    .unwrap();
    assert_eq!(status_of(&answer), 201, "{answer}");
    post_form(
        server.port,
        "/users/password/forgot",
        "email=ann%40example.org",
    )
    .unwrap();
    let mail = std::fs::read_to_string(first_outbox_mail(&dir.path().join("data/outbox"))).unwrap();
    let text = common::quoted_printable_decode(&mail);
    let link = format!("http://127.0.0.1:{}/reset-password?token=", server.port);
    assert!(text.contains(&link), "{text}");
    assert!(!text.contains("0.0.0.0"), "{text}");
    assert!(!text.contains("POST /users/password/reset"), "{text}");
    let log = server_log(dir.path());
    assert!(log.contains("public_url is not set"), "{log}");
}

#[test]
fn mail_without_a_public_url_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    // No mail is sent: the warning is given at start.
    let _server = start_logged(
        dir.path(),
        &[],
        &[("LIBRARY_SMTP_HOST", "mail.example.org")],
    );
    let log = server_log(dir.path());
    assert!(log.contains("public_url"), "{log}");
    assert!(log.contains("smtp_host"), "{log}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_open_file_limit_is_raised_to_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    // A low soft limit, as many systems set (1,024), with the hard limit left as it is.
    let child = Command::new("sh")
        .current_dir(dir.path())
        .args([
            "-c",
            "ulimit -S -n 256 && exec \"$0\" serve --port \"$1\"",
            BIN,
            &port.to_string(),
        ])
        .env("LIBRARY_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Server { child, port };
    server.wait_until_up();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers[0], numbers[1], "soft limit not raised: {line}");
    let log = server_log(dir.path());
    assert!(log.contains("open-file limit"), "{log}");
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
