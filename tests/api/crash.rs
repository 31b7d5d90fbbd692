//! Crash safety: SIGKILL the server in the middle of a write load, start it again, and check
//! that the database is intact and holds every write that had been answered 2xx.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::process::{get, post_form, status_of, Server};

#[test]
fn every_acknowledged_write_survives_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let port = server.port;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));

    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let acknowledged = Arc::clone(&acknowledged);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                // Bounded: at most this many writes each, whatever happens.
                for i in 0..5_000 {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let name = format!("w{writer}_{i}");
                    let form =
                        format!("email={name}%40example.org&username={name}&password=password-1");
                    match post_form(port, "/users/register", &form) {
                        Some(answer) if status_of(&answer) == 201 => {
                            acknowledged.lock().unwrap().push(name)
                        }
                        Some(answer) => panic!("unexpected answer: {answer}"),
                        // The server is gone: this write was never acknowledged.
                        None => return,
                    }
                }
            })
        })
        .collect();

    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.child.kill().unwrap(); // SIGKILL, mid-load
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 300,
        "the load ran ({} writes)",
        acknowledged.len()
    );

    // Start again on the same files: recovery happens on open.
    let server = Server::start(dir.path(), &[]);
    assert_eq!(status_of(&get(server.port, "/health").unwrap()), 200);
    let conn = rusqlite::Connection::open(dir.path().join("library.db")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut find = conn
        .prepare("SELECT COUNT(*) FROM users WHERE username = ?1")
        .unwrap();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|name| find.query_row([name], |r| r.get::<_, i64>(0)).unwrap() != 1)
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
}
