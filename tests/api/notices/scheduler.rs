//! The in-process scheduler, on the real binary: on start-up it catches up the day's run
//! (here: its hour has passed) and writes the daily backup; a restart sends nothing twice.

use std::time::{Duration, Instant};

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::process::{json_call, start_logged, Server};
use crate::common::smtp::smtp_listener;
use crate::common::PASSWORD;
use library_server::domain::calendar::Day;
use library_server::models::now;
use rusqlite::params;

/// A database with Ann, who has e-mail and a loan due tomorrow, and the notices' hour at
/// midnight (so today's run is due whenever the test runs).
fn library_due_tomorrow(dir: &std::path::Path) {
    let db = dir.join("library.db");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_library-server"))
        .args(["migrate", "--database"])
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let at = now();
    conn.execute_batch(
        "INSERT INTO users (username, email, created_at, modified_at, full_name)
         VALUES ('ann', 'ann@example.org', 0, 0, 'Ann Reader');
         INSERT INTO books (title, author, created_at, modified_at) VALUES ('Momo', 'Ende', 0, 0);
         INSERT INTO items (book_id, barcode, status, created_at, modified_at)
         VALUES (1, 'B1', 'on_loan', 0, 0);
         INSERT INTO settings (key, value) VALUES ('notices.hour', '0');",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO loans (book_id, user_id, item_id, borrowed_at, due_at)
         VALUES (1, 1, 1, ?1, ?2)",
        params![at, at + 86_400],
    )
    .unwrap();
}

/// Readers 2 to `last` (after `library_due_tomorrow`'s Ann), each with e-mail and a loan
/// due tomorrow.
fn more_readers(dir: &std::path::Path, last: i64) {
    let conn = rusqlite::Connection::open(dir.join("library.db")).unwrap();
    let at = now();
    for n in 2..=last {
        conn.execute(
            "INSERT INTO users (username, email, created_at, modified_at)
             VALUES (?1, ?1 || '@example.org', 0, 0)",
            [format!("reader{n}")],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO books (title, author, created_at, modified_at) VALUES (?1, 'X', 0, 0)",
            [format!("Book {n}")],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO items (book_id, barcode, status, created_at, modified_at)
             VALUES (?1, 'B' || ?1, 'on_loan', 0, 0)",
            [n],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO loans (book_id, user_id, item_id, borrowed_at, due_at)
             VALUES (?1, ?1, ?1, ?2, ?3)",
            params![n, at, at + 86_400],
        )
        .unwrap();
    }
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_scheduler_catches_up_on_start_and_a_restart_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    library_due_tomorrow(dir.path());
    let (smtp, inbox) = smtp_listener(10);
    let smtp = smtp.to_string();
    let start = || {
        start_logged(
            dir.path(),
            &[],
            &[
                ("LIBRARY_SMTP_HOST", "127.0.0.1"),
                ("LIBRARY_SMTP_PORT", &smtp),
                ("LIBRARY_SMTP_TLS", "none"),
                ("LIBRARY_SCHEDULER", "true"),
            ],
        )
    };
    let mut server = start();
    let mail = inbox
        .recv_timeout(Duration::from_secs(20))
        .expect("the due-soon mail, sent on start-up");
    assert!(
        mail.data.contains("Subject: Due soon: Momo"),
        "{}",
        mail.data
    );
    let backup = dir
        .path()
        .join("data/backups")
        .join(format!("library-{}.db", Day::of(now())));
    wait_for("the daily backup", Duration::from_secs(20), || {
        backup.exists()
    });
    let copy = rusqlite::Connection::open(&backup).unwrap();
    let loans: i64 = copy
        .query_row("SELECT COUNT(*) FROM loans", [], |r| r.get(0))
        .unwrap();
    assert_eq!(loans, 1);
    server.signal("TERM");
    server.wait_exit(Duration::from_secs(10));

    // Started again the same day: the run is done, the event told; nothing goes twice.
    let mut again = start();
    assert!(
        inbox.recv_timeout(Duration::from_secs(3)).is_err(),
        "a restart sent a notice twice"
    );
    again.signal("TERM");
    again.wait_exit(Duration::from_secs(10));
    let conn = rusqlite::Connection::open(dir.path().join("library.db")).unwrap();
    let (notices, sent): (i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), SUM(status = 'sent') FROM notices",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((notices, sent), (1, 1));
}

/// An admin's token from the server on `port` (the admin made with `create-admin`).
fn admin_token(dir: &std::path::Path, port: u16) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_library-server"))
        .current_dir(dir)
        .args([
            "create-admin",
            "--email",
            "boss@example.org",
            "--username",
            "boss",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let (status, value) = json_call(
        port,
        "POST",
        "/users/login",
        None,
        &serde_json::json!({"email": "boss@example.org", "password": PASSWORD}),
    );
    assert_eq!(status, 200, "{value}");
    value["access_token"].as_str().unwrap().to_string()
}

#[test]
fn runs_at_the_same_moment_tell_each_event_once() {
    let dir = tempfile::tempdir().unwrap();
    library_due_tomorrow(dir.path());
    // Eleven more readers with a loan due tomorrow.
    more_readers(dir.path(), 12);
    let server: Server = start_logged(dir.path(), &[], &[]);
    let token = admin_token(dir.path(), server.port);
    let run = || {
        json_call(
            server.port,
            "POST",
            "/notices/run",
            Some(&token),
            &serde_json::json!({}),
        )
    };
    let answers: Vec<(u16, serde_json::Value)> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4).map(|_| s.spawn(run)).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut created = 0;
    for (status, value) in &answers {
        assert_eq!(*status, 200, "{value}");
        created += value["result"]["created"].as_i64().unwrap();
    }
    assert_eq!(created, 12, "{answers:?}");
    let conn = rusqlite::Connection::open(dir.path().join("library.db")).unwrap();
    let (notices, events, mails): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM notices), (SELECT COUNT(*) FROM notice_events),
                    (SELECT COUNT(DISTINCT recipient) FROM notices)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((notices, events, mails), (12, 12, 12));
    // Into the outbox (no mail server): one file a notice.
    let files = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .count();
    assert_eq!(files, 12);
}

/// The Message-ID of a received mail.
fn message_id(mail: &crate::common::smtp::Received) -> String {
    mail.data
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .map(|l| l[11..].trim().to_string())
        .unwrap_or_default()
}

#[test]
fn a_server_killed_in_the_middle_of_a_run_tells_each_event_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    library_due_tomorrow(dir.path());
    let readers = 120;
    more_readers(dir.path(), readers);
    // One SMTP session at a time: the mails trickle in while the server is killed.
    let (smtp, inbox) = smtp_listener(10_000);
    let smtp = smtp.to_string();
    let envs = [
        ("LIBRARY_SMTP_HOST", "127.0.0.1"),
        ("LIBRARY_SMTP_PORT", smtp.as_str()),
        ("LIBRARY_SMTP_TLS", "none"),
        ("LIBRARY_SCHEDULER", "true"),
    ];
    let mut received = Vec::new();
    let server = start_logged(dir.path(), &[], &envs);
    while received.len() < 10 {
        received.push(
            inbox
                .recv_timeout(Duration::from_secs(30))
                .expect("mails of the run on start-up"),
        );
    }
    server.signal("KILL");
    drop(server);
    // Started again: the day's run had not finished, so it runs again and sends the rest.
    let mut again = start_logged(dir.path(), &[], &envs);
    let conn = rusqlite::Connection::open(dir.path().join("library.db")).unwrap();
    wait_for("every notice sent", Duration::from_secs(60), || {
        conn.query_row(
            "SELECT COUNT(*) FROM notices WHERE status = 'sent'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            == readers
    });
    again.signal("TERM");
    again.wait_exit(Duration::from_secs(10));
    while let Ok(mail) = inbox.recv_timeout(Duration::from_millis(500)) {
        received.push(mail);
    }
    let (notices, events): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM notices), (SELECT COUNT(*) FROM notice_events)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((notices, events), (readers, readers), "one notice an event");
    // Every reader got their mail; a mail in flight when the server died may come twice,
    // and then under the same Message-ID.
    let ids: std::collections::BTreeSet<String> = received.iter().map(message_id).collect();
    assert_eq!(ids.len() as i64, readers);
    assert!(ids.iter().all(|id| id.starts_with("<notice-")), "{ids:?}");
    let recipients: std::collections::BTreeSet<&Vec<String>> =
        received.iter().map(|m| &m.rcpt_to).collect();
    assert_eq!(recipients.len() as i64, readers);
}
