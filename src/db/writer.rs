//! The threads beside the pool: the one writer, and the checkpointer that keeps the
//! write-ahead log short.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::AppError;

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

/// A write: runs its work in the batch's transaction and says whether the work succeeded
/// (else its savepoint is rolled back), handing back how to answer its caller once the
/// batch's commit is known.
pub(super) type WriteJob = Box<dyn FnOnce(&Transaction) -> (bool, Delivery) + Send>;

/// Answers a job's caller: with its own outcome if the batch committed, else the commit's
/// error.
pub(super) type Delivery = Box<dyn FnOnce(Option<&AppError>) + Send>;

/// The most writes one transaction carries.
const MOST_A_BATCH: usize = 64;

/// The writer thread's loop until every `Db` is gone. Writes that queue up while one
/// transaction runs go together into the next (group commit): each in a savepoint of its
/// own, so one refused or failed write leaves the others as they were, and one commit
/// writes the pages they share once. Under load that halves the writer's work; alone, a
/// write is a transaction of its own as before. Nobody hears "done" before the commit.
pub(super) fn serve_writes(mut conn: Connection, jobs: mpsc::Receiver<WriteJob>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MOST_A_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&mut conn, batch);
    }
}

fn run_batch(conn: &mut Connection, batch: Vec<WriteJob>) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            // Dropping the jobs drops their replies: each caller sees a 500.
            tracing::error!(error = %e, "could not begin a write transaction");
            return;
        }
    };
    let mut deliveries = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(e) = tx.execute_batch("SAVEPOINT job") {
            tracing::error!(error = %e, "could not open a savepoint");
            continue;
        }
        // A panicking job drops its reply (its caller sees a 500); its writes are undone.
        let ran = catch_unwind(AssertUnwindSafe(|| job(&tx)));
        let keep = matches!(ran, Ok((true, _)));
        let close = if keep {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = tx.execute_batch(close) {
            tracing::error!(error = %e, "could not close a savepoint");
        }
        if let Ok((_, delivery)) = ran {
            deliveries.push(delivery);
        }
    }
    let committed = tx
        .commit()
        .map_err(|e| AppError::Internal(format!("database commit: {e}")));
    for delivery in deliveries {
        delivery(committed.as_ref().err());
    }
}
