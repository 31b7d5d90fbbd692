//! Running the server for real: backups while it writes, and graceful shutdown.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common;
use crate::common::process::{post_form, status_of, Server, BIN};

fn count(conn: &rusqlite::Connection) -> usize {
    conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

#[test]
fn a_backup_taken_during_writes_is_consistent_and_opens() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let port = server.port;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let acknowledged = Arc::clone(&acknowledged);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            for i in 0..20_000 {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let form = format!("email=u{i}%40example.org&username=user{i}&password=password-1");
                let answer = post_form(port, "/users/register", &form).unwrap();
                assert_eq!(status_of(&answer), 201, "{answer}");
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while acknowledged.load(Ordering::SeqCst) < 100 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = acknowledged.load(Ordering::SeqCst);
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    let after = acknowledged.load(Ordering::SeqCst);
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    assert!(after > before, "writes went on during the backup");

    let copy = rusqlite::Connection::open(dir.path().join("copy.db")).unwrap();
    let integrity: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let copied = count(&copy);
    assert!(
        copied >= before,
        "the copy holds every write acknowledged before it began"
    );
    assert!(copied <= after + 1, "and nothing that did not exist");
    // Each copied user is whole.
    let broken: i64 = copy
        .query_row(
            "SELECT COUNT(*) FROM users WHERE email != username || '@example.org' AND email NOT LIKE 'u%@example.org'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(broken, 0);
    drop(copy);

    // The copy serves.
    let restored = Server::start(
        dir.path(),
        &["--database", "copy.db", "--data-dir", "copy-data"],
    );
    let answer = post_form(
        restored.port,
        "/users/login",
        "email=u0%40example.org&password=password-1",
    )
    .unwrap();
    assert_eq!(status_of(&answer), 200, "{answer}");

    // An existing file is never overwritten.
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let form = "email=late%40example.org&username=late&password=password-1";
    let (head, tail) = form.split_at(20);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    write!(
        stream,
        "POST /users/register HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{head}",
        form.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(status_of(&answer), 201, "{answer}");

    let status = server
        .wait_exit(Duration::from_secs(15))
        .expect("the server stops");
    assert!(status.success(), "a clean exit: {status:?}");
    let conn = rusqlite::Connection::open(dir.path().join("library.db")).unwrap();
    assert_eq!(count(&conn), 1, "the write made during shutdown is kept");
}

/// The most memory the process has held so far (VmHWM), in MB.
fn peak_memory_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc status");
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

/// PUT a picture as multipart over a raw socket; the status of the answer.
fn upload_picture(port: u16, user_id: i64, token: &str, picture: &[u8]) -> u16 {
    let boundary = "----burst-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(picture);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "PUT /users/{user_id}/image HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    status_of(&answer)
}

/// Twelve uploads at once of small files that decode to large pictures: some declare
/// 6000×6000 pixels (108 MB and more decoded), some 3000×3000 (36 MB each). Decodes are
/// bounded in size and in number at once, so the whole process stays well under 150 MB.
#[test]
fn a_burst_of_huge_pictures_keeps_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let port = server.port;
    let form = "email=pics%40example.org&username=pics&password=password-1";
    assert_eq!(
        status_of(&post_form(port, "/users/register", form).unwrap()),
        201
    );
    let login = post_form(
        port,
        "/users/login",
        "email=pics%40example.org&password=password-1",
    )
    .unwrap();
    let body = login.split("\r\n\r\n").nth(1).unwrap();
    let reply: serde_json::Value = serde_json::from_str(body).unwrap();
    let token = reply["access_token"].as_str().unwrap().to_string();
    let user_id = reply["result"]["id"].as_i64().unwrap();

    let huge = Arc::new(common::png(6000, 6000));
    let large = Arc::new(common::png(3000, 3000));
    assert!(huge.len() < 1024 * 1024 && large.len() < 1024 * 1024);
    let uploads: Vec<_> = (0..12)
        .map(|i| {
            let picture = Arc::clone(if i % 3 == 0 { &huge } else { &large });
            let token = token.clone();
            std::thread::spawn(move || upload_picture(port, user_id, &token, &picture))
        })
        .collect();
    let statuses: Vec<u16> = uploads.into_iter().map(|t| t.join().unwrap()).collect();
    for (i, status) in statuses.iter().enumerate() {
        let expected = if i % 3 == 0 { 400 } else { 200 };
        assert_eq!(*status, expected, "upload {i}: {statuses:?}");
    }
    let peak = peak_memory_mb(server.child.id());
    assert!(peak < 150.0, "peak memory {peak:.0} MB");
}
