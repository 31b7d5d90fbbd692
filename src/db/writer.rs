//! The threads beside the pool: the one writer, and the checkpointer that keeps the
//! write-ahead log short.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

/// How often the checkpoint thread looks at the write-ahead log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the write-ahead log back into the database file every `CHECKPOINT_EVERY`
/// (passive: it never waits for, nor blocks, a reader or the writer), until every `Db` is
/// gone; then once more, so a clean stop leaves a short log.
pub(super) fn checkpoint_now_and_then(conn: Connection, stop: mpsc::Receiver<()>) {
    let checkpoint = || {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "checkpoint failed; the next one tries again");
        }
    };
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        checkpoint();
    }
    checkpoint();
}

pub(super) type WriteJob = Box<dyn FnOnce(&mut Connection) + Send>;

/// The writer thread's loop: runs each job in turn until every `Db` is gone.
pub(super) fn serve_writes(mut conn: Connection, jobs: mpsc::Receiver<WriteJob>) {
    for job in jobs {
        // A panicking job drops its reply (the caller sees a 500) and rolls back its
        // transaction as it unwinds; the thread lives on for the next one.
        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
    }
}
