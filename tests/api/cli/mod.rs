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

// ---- hardening: what the binary does at start, wherever it is started from -------------

/// The server in `dir` with its standard error kept in `dir/server.log`, and `envs` set.
fn start_logged(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
    let port = free_port();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new(BIN)
        .current_dir(dir)
        .arg("serve")
        .args(["--port", &port.to_string()])
        .args(args)
        .env("LIBRARY_BCRYPT_COST", "4")
        .env("LIBRARY_LOG", "info")
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Server { child, port };
    server.wait_until_up();
    server
}

fn server_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
}

/// Sends a raw request and returns what came back, even when the server closes the
/// connection on a body it did not read (a reset after its answer).
fn http_tolerant(port: u16, head: &str, body: &[u8]) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

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
