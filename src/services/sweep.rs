//! The background sweep: records what the clock alone changes in the holds — a ready hold
//! whose pickup time ran out expires, and its copy passes to the next reader in line.
//!
//! Listings show a lapsed hold as expired by themselves and never take the writer; every
//! lending write settles its book first. What is left is a book no one touches: once a
//! minute a read looks for such books, and only when it finds some does one short write
//! settle them. The same minute anonymises loan history past `loan_history_days`.

use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket::tokio::time::{interval_at, Instant, MissedTickBehavior};

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiResult;
use rusqlite::Connection;

use crate::models::library_settings::LibrarySettings;
use crate::models::{audit, hold, library_settings, loan, now};
use crate::services::lending::{self, Policy};

/// How often the sweep looks; a freed copy waits at most this long for the next reader.
pub const EVERY: Duration = Duration::from_secs(60);

/// Settles the books that need it, and anonymises loan history past the library's
/// `loan_history_days`; returns how many books were settled.
pub async fn sweep(db: &Db, policy: Policy) -> ApiResult<usize> {
    let (due, history) = db
        .run(|conn| {
            let due = hold::books_to_settle(conn, now())?;
            let settings = library_settings::load(conn)?;
            let history = match history_cutoff(&settings, now()) {
                Some(cutoff) => {
                    loan::any_linked_returned_by(conn, cutoff, settings.reading_history)?
                        || audit::any_reading_linked_by(conn, cutoff)?
                }
                None => false,
            };
            Ok((due, history))
        })
        .await?;
    if history {
        db.write(|tx| anonymise_history(tx, now())).await?;
    }
    if due.is_empty() {
        return Ok(0);
    }
    db.write(move |tx| lending::settle_due(tx, policy, now()))
        .await
}

/// Loans returned by this time are to lose their reader, under `loan_history_days`.
fn history_cutoff(settings: &LibrarySettings, now: i64) -> Option<i64> {
    settings
        .loan_history_days
        .map(|days| now - days * 24 * 60 * 60)
}

/// Anonymises the loan history older than `loan_history_days` (nothing when the library
/// keeps it), except the reading histories members chose to keep where the library allows
/// them; returns how many loans lost their reader. Also run when a setting or a member's
/// choice changes.
pub fn anonymise_history(conn: &Connection, now: i64) -> ApiResult<usize> {
    let settings = library_settings::load(conn)?;
    match history_cutoff(&settings, now) {
        Some(cutoff) => {
            audit::unlink_reading_by(conn, cutoff)?;
            loan::anonymise_returned_by(conn, cutoff, settings.reading_history)
        }
        None => Ok(0),
    }
}

/// Starts the sweep when the server lifts off; it stops with the server.
pub fn fairing() -> AdHoc {
    AdHoc::on_liftoff("hold sweep", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(config)) = (rocket.state::<Db>(), rocket.state::<Config>()) else {
                return;
            };
            let db = db.clone();
            let policy = Policy::from_config(config);
            let shutdown = rocket.shutdown();
            rocket::tokio::spawn(async move {
                let mut ticks = interval_at(Instant::now() + EVERY, EVERY);
                ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
                loop {
                    rocket::tokio::select! {
                        _ = ticks.tick() => {}
                        _ = shutdown.clone() => break,
                    }
                    if let Err(e) = sweep(&db, policy).await {
                        tracing::warn!(error = %e, "hold sweep failed");
                    }
                }
            });
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_writes_only_when_a_hold_has_lapsed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("library.db")).unwrap();
        let at = now();
        let conn = db.get().unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO users (id, username, email, password_hash, created_at, modified_at)
                 VALUES (1, 'ann', 'ann@example.org', 'x', 0, 0),
                        (2, 'bob', 'bob@example.org', 'x', 0, 0);
             INSERT INTO books (id, title, author, created_at, modified_at)
                 VALUES (1, 't', 'a', 0, 0);
             INSERT INTO items (id, book_id, barcode, status, created_at, modified_at)
                 VALUES (1, 1, '000001', 'on_hold_shelf', 0, 0);
             INSERT INTO holds (book_id, user_id, created_at, status, ready_until, item_id)
                 VALUES (1, 1, 0, 'ready', {lapsed}, 1), (1, 2, 0, 'waiting', NULL, NULL);",
            lapsed = at - 1
        ))
        .unwrap();
        let policy = Policy::from_config(&Config::default());
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert_eq!(runtime.block_on(sweep(&db, policy)).unwrap(), 1);
        let statuses: Vec<String> = conn
            .prepare("SELECT status FROM holds ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(statuses, ["expired", "ready"]);

        let version = |conn: &rusqlite::Connection| -> i64 {
            conn.query_row("PRAGMA data_version", [], |r| r.get(0))
                .unwrap()
        };
        let before = version(&conn);
        assert_eq!(runtime.block_on(sweep(&db, policy)).unwrap(), 0);
        assert_eq!(version(&conn), before, "nothing due, nothing written");
    }
}
