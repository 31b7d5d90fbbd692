//! The SQLite pool, its per-connection settings, the compiled-in migrations, and `run`,
//! which moves database work off the async runtime.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rocket::tokio::sync::{oneshot, Semaphore};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::{ApiResult, AppError};

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
    step("001_init", include_str!("../migrations/001_init.sql")),
    step("002_books", include_str!("../migrations/002_books.sql")),
    step(
        "003_circulation",
        include_str!("../migrations/003_circulation.sql"),
    ),
    step(
        "004_catalogue_version",
        include_str!("../migrations/004_catalogue_version.sql"),
    ),
    rebuild(
        "005_ids_never_reused",
        include_str!("../migrations/005_ids_never_reused.sql"),
    ),
    step(
        "006_book_series",
        include_str!("../migrations/006_book_series.sql"),
    ),
    rebuild("007_items", include_str!("../migrations/007_items.sql")),
];

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Connections in the pool. SQLite in WAL mode serves any number of readers beside one
/// writer, but a 2-core machine gains nothing from more than a few at once, and every
/// connection keeps its own page cache (memory).
const POOL_SIZE: u32 = 4;

/// Writes that may wait for the writer thread; one more is answered 503 at once. Each
/// waits its turn of well under a millisecond, so a full queue means a client is flooding
/// the server, and refusing is kinder to everyone else than queueing without end.
const WRITE_QUEUE: usize = 1024;

/// How long a read waits for a free connection before it is answered 503.
const READ_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// One permit per pooled connection: work waits here, on the async side, rather than
    /// parking a blocking thread inside `pool.get()`. Under load that keeps the blocking
    /// pool at a handful of threads instead of one per request in flight.
    slots: Arc<Semaphore>,
    /// Every `write` of this process runs on one thread with its own connection, one
    /// transaction after another. Writers racing for SQLite's lock instead wait in its busy
    /// handler, which retries with sleeps of 1, 2, 5, 10… ms, and each hand-over between
    /// blocking threads costs wake-ups; one thread taking the next job at once does not.
    /// Each job is still its own `BEGIN IMMEDIATE` transaction, which guards against every
    /// other process (the command line, a second server).
    writer: mpsc::SyncSender<WriteJob>,
    read_wait: Duration,
    /// Dropped with the last `Db`, which ends the checkpoint thread.
    _checkpoints: Arc<mpsc::Sender<()>>,
}

/// How often the checkpoint thread looks at the write-ahead log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the write-ahead log back into the database file every `CHECKPOINT_EVERY`
/// (passive: it never waits for, nor blocks, a reader or the writer), until every `Db` is
/// gone; then once more, so a clean stop leaves a short log.
fn checkpoint_now_and_then(conn: Connection, stop: mpsc::Receiver<()>) {
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

type WriteJob = Box<dyn FnOnce(&mut Connection) + Send>;

/// The writer thread's loop: runs each job in turn until every `Db` is gone.
fn serve_writes(mut conn: Connection, jobs: mpsc::Receiver<WriteJob>) {
    for job in jobs {
        // A panicking job drops its reply (the caller sees a 500) and rolls back its
        // transaction as it unwinds; the thread lives on for the next one.
        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open database {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("database {path} has schema version {found}, newer than this binary knows ({known}); use a newer library-server")]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
}

/// Every SQLite database file starts with these 16 bytes.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses, before SQLite touches it, an existing file that is not a database (a picture,
/// a CSV, a mistyped path): it is left exactly as it was. An empty file is a new database.
fn check_header(path: &Path) -> Result<(), String> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    if file.metadata().map_err(|e| e.to_string())?.is_dir() {
        return Err("it is a folder, not a database file".into());
    }
    let mut start = Vec::with_capacity(SQLITE_HEADER.len());
    (&mut file)
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut start)
        .map_err(|e| e.to_string())?;
    if start.is_empty() || start == SQLITE_HEADER {
        return Ok(());
    }
    Err(
        "it is not an SQLite database (it does not start with the SQLite header); \
         it was left as it is: check the --database path"
            .into(),
    )
}

/// A new database (or backup) is created readable by its owner only: it holds password
/// hashes, e-mail addresses and reset tokens. SQLite gives its -wal and -shm files the
/// database's own mode. An existing file keeps the mode it has.
pub fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Settings every connection gets. WAL lets readers run beside the one writer; the busy
/// timeout makes a second writer wait instead of failing at once.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db, OpenError> {
        Db::open_bounded(path, WRITE_QUEUE, READ_WAIT)
    }

    /// `open` with the queue bounds given, so tests can reach them.
    fn open_bounded(path: &Path, write_queue: usize, read_wait: Duration) -> Result<Db, OpenError> {
        let shown = path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| OpenError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
        }
        check_header(path).map_err(|reason| OpenError::Open {
            path: shown.clone(),
            reason,
        })?;
        create_owner_only(path).map_err(|e| fail(&e))?;
        // One plain connection first, so a file SQLite cannot use fails at once with its
        // reason: the pool would retry setting up its connections for 30 s before giving up.
        let mut write_conn = Connection::open(path).map_err(|e| fail(&e))?;
        configure(&mut write_conn).map_err(|e| fail(&e))?;
        let manager = SqliteConnectionManager::file(path).with_init(configure);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            // r2d2 checks a connection on every checkout by default, one more statement per
            // request; a local SQLite file connection does not go stale like a socket.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| fail(&e))?;
        let mut conn = pool.get().map_err(|e| fail(&e))?;
        migrate(&mut conn, Some(path)).map_err(|e| match e {
            MigrateError::TooNew { found, known } => OpenError::TooNew {
                path: shown.clone(),
                found,
                known,
            },
            MigrateError::Sql(e) => fail(&e),
            MigrateError::Check { step, problem } => OpenError::Open {
                path: shown.clone(),
                reason: format!(
                    "schema step {step} was not applied, the database is unchanged: {problem}"
                ),
            },
            MigrateError::Backup {
                step,
                backup,
                error,
            } => OpenError::Open {
                path: shown.clone(),
                reason: format!(
                    "could not back the database up to {backup} before schema step {step} \
                     (nothing was changed): {error}"
                ),
            },
        })?;
        drop(conn);
        // The writer never checkpoints itself: a checkpoint copies the log into the file and
        // syncs it inside the commit that crosses the threshold, and that commit's caller (and
        // every write queued behind it) waited for it, up to half a second on a slow disk.
        // A thread of its own does it instead, beside the writer.
        write_conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(|e| fail(&e))?;
        let checkpoint_conn = Connection::open(path).map_err(|e| fail(&e))?;
        let (stop_checkpoints, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("db-checkpoint".into())
            .spawn(move || checkpoint_now_and_then(checkpoint_conn, stopped))
            .map_err(|e| fail(&e))?;
        let (writer, jobs) = mpsc::sync_channel::<WriteJob>(write_queue);
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || serve_writes(write_conn, jobs))
            .map_err(|e| fail(&e))?;
        Ok(Db {
            pool,
            slots: Arc::new(Semaphore::new(POOL_SIZE as usize)),
            writer,
            read_wait,
            _checkpoints: Arc::new(stop_checkpoints),
        })
    }

    /// Runs `work` with a pooled connection on a blocking thread.
    pub async fn run<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> ApiResult<T> + Send + 'static,
    {
        // Owned, and moved into the task: a request dropped mid-way (client gone) must not
        // free the slot while its work still runs.
        let slot =
            rocket::tokio::time::timeout(self.read_wait, Arc::clone(&self.slots).acquire_owned())
                .await
                .map_err(|_| AppError::Busy("no database connection came free in time"))?
                .map_err(|e| AppError::Internal(format!("database slots: {e}")))?;
        let pool = self.pool.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }

    /// Runs `work` on the writer thread inside one `BEGIN IMMEDIATE` transaction:
    /// committed if `work` returns Ok, rolled back otherwise. Taking the write lock up front means the reads that
    /// decide a write cannot be invalidated by another writer.
    pub async fn write<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(move |conn: &mut Connection| {
            let outcome: ApiResult<T> = (|| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let value = work(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            // The caller may have gone (client disconnected): the write stands regardless.
            let _ = reply.send(outcome);
        });
        self.writer.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => AppError::Busy("the write queue is full"),
            mpsc::TrySendError::Disconnected(_) => {
                AppError::Internal("the database writer has stopped".into())
            }
        })?;
        answer
            .await
            .map_err(|_| AppError::Internal("a database write panicked".into()))?
    }

    /// A connection for synchronous callers (the command line).
    pub fn get(&self) -> ApiResult<r2d2::PooledConnection<SqliteConnectionManager>> {
        Ok(self.pool.get()?)
    }
}

#[derive(Debug)]
enum MigrateError {
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
fn migrate(conn: &mut Connection, path: Option<&Path>) -> Result<(), MigrateError> {
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

/// Creates an empty file that only its owner can read and write (on Unix), so what is
/// written into it next is never readable by others, even for a moment.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// A private in-memory database with the whole schema and the usual settings: what unit
/// tests of models and services start from, so none keeps its own list of migrations.
pub fn open_migrated_in_memory() -> Result<Connection, OpenError> {
    let fail = |reason: String| OpenError::Open {
        path: ":memory:".into(),
        reason,
    };
    let mut conn = Connection::open_in_memory().map_err(|e| fail(e.to_string()))?;
    configure(&mut conn).map_err(|e| fail(e.to_string()))?;
    migrate(&mut conn, None).map_err(|e| fail(format!("{e:?}")))?;
    Ok(conn)
}

/// The schema version this binary brings databases up to.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Maps a unique-constraint failure to a 409 naming `field`; anything else stays internal.
pub fn unique_violation(e: rusqlite::Error, field: &str, problem: &str) -> AppError {
    match &e {
        rusqlite::Error::SqliteFailure(err, _)
            if err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            AppError::conflict(field, problem)
        }
        _ => e.into(),
    }
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

    /// A write queue of one behind a busy writer, and every read connection taken: the
    /// next write and the next read are answered 503 instead of waiting without end.
    #[rocket::async_test]
    async fn full_queues_answer_busy() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_bounded(&dir.path().join("t.db"), 1, Duration::from_millis(200)).unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = Arc::new(std::sync::Mutex::new(held));
        let blocker = {
            let (db, held) = (db.clone(), Arc::clone(&held));
            rocket::tokio::spawn(async move {
                db.write(move |_| {
                    let _ = held.lock().unwrap().recv();
                    Ok(())
                })
                .await
            })
        };
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        let queued = {
            let db = db.clone();
            rocket::tokio::spawn(async move { db.write(|_| Ok(())).await })
        };
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        let refused = db.write(|_| Ok(())).await;
        assert!(matches!(refused, Err(AppError::Busy(_))), "{refused:?}");

        let readers: Vec<_> = (0..POOL_SIZE)
            .map(|_| {
                let (db, held) = (db.clone(), Arc::clone(&held));
                rocket::tokio::spawn(async move {
                    db.run(move |_| {
                        let _ = held.lock().unwrap().recv_timeout(Duration::from_secs(2));
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        let refused = db.run(|_| Ok(())).await;
        assert!(matches!(refused, Err(AppError::Busy(_))), "{refused:?}");

        drop(release);
        blocker.await.unwrap().unwrap();
        queued.await.unwrap().unwrap();
        for reader in readers {
            reader.await.unwrap().unwrap();
        }
        db.write(|_| Ok(())).await.unwrap();
    }

    /// The writer leaves checkpoints to their own thread, which still moves what is written
    /// into the database file soon after.
    #[rocket::async_test]
    async fn checkpoints_run_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = Db::open(&path).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let auto: i64 = db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('bulk', hex(randomblob(1000000)))",
                    [],
                )?;
                Ok(tx.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(auto, 0, "the writer does not checkpoint in its commits");
        let mut grown = false;
        for _ in 0..50 {
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
            if std::fs::metadata(&path).unwrap().len() > before + 1_000_000 {
                grown = true;
                break;
            }
        }
        assert!(grown, "the checkpoint thread copied the log into the file");
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
