//! The in-process scheduler, on the real binary: on start-up it catches up the day's run
//! (here: its hour has passed) and writes the daily backup; a restart sends nothing twice.

use std::time::{Duration, Instant};

use crate::common::process::start_logged;
use crate::common::smtp::smtp_listener;
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
