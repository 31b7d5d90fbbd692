//! The compiled-in schema steps and the runner that applies them, one transaction per step,
//! tracked by `PRAGMA user_version`.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use super::private_file;

/// One schema step.
struct Migration {
    name: &'static str,
    sql: &'static str,
    /// The step drops and re-creates tables. Inside a transaction `PRAGMA foreign_keys`
    /// cannot be switched off, and with it on, dropping a table deletes every row that
    /// refers to it (`ON DELETE CASCADE`): such a step runs with foreign keys off, after
    /// a backup of the file, and is checked before it commits (see `rebuild`).
    rebuilds_tables: bool,
}

const fn step(name: &'static str, sql: &'static str) -> Migration {
    Migration {
        name,
        sql,
        rebuilds_tables: false,
    }
}

const fn rebuild(name: &'static str, sql: &'static str) -> Migration {
    Migration {
        name,
        sql,
        rebuilds_tables: true,
    }
}

/// Every schema step, in order. Append only: the position is the schema version.
const MIGRATIONS: &[Migration] = &[
    step("001_init", include_str!("../../migrations/001_init.sql")),
    step("002_books", include_str!("../../migrations/002_books.sql")),
    step(
        "003_circulation",
        include_str!("../../migrations/003_circulation.sql"),
    ),
    step(
        "004_catalogue_version",
        include_str!("../../migrations/004_catalogue_version.sql"),
    ),
    rebuild(
        "005_ids_never_reused",
        include_str!("../../migrations/005_ids_never_reused.sql"),
    ),
    step(
        "006_book_series",
        include_str!("../../migrations/006_book_series.sql"),
    ),
    rebuild("007_items", include_str!("../../migrations/007_items.sql")),
    rebuild(
        "008_patrons",
        include_str!("../../migrations/008_patrons.sql"),
    ),
    step(
        "009_on_shelf",
        include_str!("../../migrations/009_on_shelf.sql"),
    ),
    step(
        "010_reset_codes",
        include_str!("../../migrations/010_reset_codes.sql"),
    ),
    step(
        "011_reader_page",
        include_str!("../../migrations/011_reader_page.sql"),
    ),
    step(
        "012_import_chunks",
        include_str!("../../migrations/012_import_chunks.sql"),
    ),
    step(
        "013_notices",
        include_str!("../../migrations/013_notices.sql"),
    ),
];

#[derive(Debug)]
pub(super) enum MigrateError {
    TooNew {
        found: i64,
        known: i64,
    },
    Sql(rusqlite::Error),
    /// A rebuild left broken references or a damaged file; it was rolled back.
    Check {
        step: &'static str,
        problem: String,
    },
    Backup {
        step: &'static str,
        backup: String,
        error: String,
    },
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sql(e)
    }
}

/// Applies each pending step, recording it in `user_version`. `path` is the database
/// file (None in memory): a step that rebuilds tables first copies it beside itself.
pub(super) fn migrate(conn: &mut Connection, path: Option<&Path>) -> Result<(), MigrateError> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(MigrateError::TooNew { found, known });
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        if step.rebuilds_tables {
            // A database that had no schema yet holds nothing worth a backup.
            if let (Some(path), true) = (path, found > 0) {
                backup_before(conn, path, step.name)?;
            }
            rebuild_tables(conn, step, version)?;
        } else {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(step.sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
        }
        tracing::info!(migration = step.name, "applied");
    }
    Ok(())
}

/// Runs a table-rebuilding step with foreign keys off, in one transaction that commits
/// only if every reference still points at a row and the file is sound.
fn rebuild_tables(
    conn: &mut Connection,
    step: &Migration,
    version: i64,
) -> Result<(), MigrateError> {
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let outcome = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(step.sql)?;
        let broken: Vec<String> = tx
            .prepare("PRAGMA foreign_key_check")?
            .query_map([], |r| {
                Ok(format!(
                    "{} row {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?.unwrap_or(0)
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        if !broken.is_empty() {
            return Err(MigrateError::Check {
                step: step.name,
                problem: format!("references to missing rows: {}", broken.join(", ")),
            });
        }
        let integrity: String = tx.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            return Err(MigrateError::Check {
                step: step.name,
                problem: format!("integrity check: {integrity}"),
            });
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        Ok(())
    })();
    // Back on whatever happened: this connection goes on serving requests.
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    outcome
}

/// Copies the database, with SQLite's online backup, to `<file>.before-<step>[.N].bak`
/// (never over an existing file), readable by its owner only.
fn backup_before(conn: &Connection, path: &Path, step: &'static str) -> Result<(), MigrateError> {
    let mut target = PathBuf::from(format!("{}.before-{step}.bak", path.display()));
    let mut n = 1;
    while target.exists() {
        target = PathBuf::from(format!("{}.before-{step}.{n}.bak", path.display()));
        n += 1;
    }
    let fail = |error: String| MigrateError::Backup {
        step,
        backup: target.display().to_string(),
        error,
    };
    private_file(&target).map_err(|e| fail(e.to_string()))?;
    conn.backup("main", &target, None)
        .map_err(|e| fail(e.to_string()))?;
    tracing::info!(backup = %target.display(), migration = step, "backed up the database before a table rebuild");
    Ok(())
}

/// The schema version this binary brings databases up to.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_fresh_database_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, None).unwrap();
        migrate(&mut conn, None).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
    }

    #[test]
    fn refuses_a_newer_database() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(matches!(
            migrate(&mut conn, None),
            Err(MigrateError::TooNew { found: 999, .. })
        ));
    }
}
