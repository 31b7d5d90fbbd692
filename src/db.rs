//! The SQLite pool, its per-connection settings, and `run`/`write`, which move database
//! work off the async runtime. The migrations live in `migrate`, the file checks in `file`,
//! the writer and checkpoint threads in `writer`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rocket::tokio::sync::{oneshot, Semaphore};
use rusqlite::Connection;

use crate::error::{ApiResult, AppError};

mod file;
mod migrate;
mod writer;

use file::check_header;
pub use file::{create_owner_only, private_file};
pub use migrate::schema_version;
use migrate::{migrate, MigrateError};
use writer::{checkpoint_now_and_then, serve_writes, WriteJob};

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

/// Connections kept for `read_now`: one per async worker thread is all that can be in use
/// at once (Rocket runs as many workers as cores), and a few spare.
const NEAR_CONNECTIONS: usize = 4;

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
    /// Connections for `read_now`, used on the calling thread.
    near: Arc<Near>,
    /// The connection `data_version` asks, opened when first needed.
    watch: Arc<Mutex<Option<Connection>>>,
    /// Dropped with the last `Db`, which ends the checkpoint thread.
    _checkpoints: Arc<mpsc::Sender<()>>,
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

/// Settings every connection gets, and the catalogue's SQL function (`in_tag_set`). WAL
/// lets readers run beside the one writer; the busy timeout makes a second writer wait
/// instead of failing at once.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    crate::models::book::tag_sets::register(conn)?;
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
            near: Arc::new(Near {
                path: path.to_path_buf(),
                idle: Mutex::new(Vec::new()),
                opened: AtomicUsize::new(0),
            }),
            watch: Arc::new(Mutex::new(None)),
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

    /// Runs `work`, a read of a few rows by their keys (tens of microseconds), at once on
    /// the calling thread with a connection of its own. Handing it to a blocking thread
    /// through the pool cost more than the read itself: a semaphore, a thread hand-over
    /// and back, a pool checkout; for `GET /books/{id}` about half of all the time spent.
    /// A reader in WAL mode never waits for the writer, so this does not stall the async
    /// worker; anything that scans or sorts must use `run`. When every near connection is
    /// in use (more callers at once than worker threads), it falls back to `run`.
    pub async fn read_now<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> ApiResult<T> + Send + 'static,
    {
        match self.near.take()? {
            Some(mut near) => match near.conn.as_mut() {
                Some(conn) => work(conn),
                None => Err(AppError::Internal("near connection missing".into())),
            },
            None => self.run(work).await,
        }
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
        let job: WriteJob = Box::new(move |tx: &rusqlite::Transaction| {
            let outcome: ApiResult<T> = work(tx);
            let succeeded = outcome.is_ok();
            let delivery: writer::Delivery = Box::new(move |commit_failed| {
                let answer = match commit_failed {
                    Some(e) => Err(e.clone()),
                    None => outcome,
                };
                // The caller may have gone (client disconnected): the write stands regardless.
                let _ = reply.send(answer);
            });
            (succeeded, delivery)
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

    /// A number that moves whenever anything commits to the database: this process's
    /// writer, or another process such as the command line importing. It is
    /// `PRAGMA data_version` of one connection kept for asking it (the numbers of two
    /// connections cannot be compared), a read of SQLite's shared memory that does not
    /// touch the file, so it runs on the calling thread.
    pub fn data_version(&self) -> ApiResult<i64> {
        let mut watch = self
            .watch
            .lock()
            .map_err(|_| AppError::Internal("watch connection poisoned".into()))?;
        let conn = match watch.take() {
            Some(conn) => conn,
            None => {
                let mut conn = Connection::open(&self.near.path)?;
                configure(&mut conn)?;
                conn
            }
        };
        let version = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0));
        *watch = Some(conn);
        Ok(version?)
    }
}

/// Copies the database behind `source`, consistently, to the new file `target` with
/// SQLite's online backup: every page under one read transaction, so a writer goes on
/// writing meanwhile. The copy is checked (`quick_check`). Returns its pages.
pub fn backup_to(source: &Connection, target: &Path) -> Result<i32, String> {
    let fail = |e: rusqlite::Error| format!("backing up to {}: {e}", target.display());
    create_owner_only(target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let mut copy = Connection::open(target).map_err(fail)?;
    let pages = {
        let backup = rusqlite::backup::Backup::new(source, &mut copy).map_err(fail)?;
        loop {
            match backup.step(-1).map_err(fail)? {
                rusqlite::backup::StepResult::Done => break,
                _ => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
        backup.progress().pagecount
    };
    let check: String = copy
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(fail)?;
    if check != "ok" {
        return Err(format!("the copy failed its check: {check}"));
    }
    Ok(pages)
}

/// The connections `read_now` uses: idle ones wait here; another is opened while fewer
/// than `NEAR_CONNECTIONS` exist.
struct Near {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    opened: AtomicUsize,
}

impl Near {
    fn take(&self) -> ApiResult<Option<NearConnection<'_>>> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| AppError::Internal("near connections poisoned".into()))?
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                if self.opened.fetch_add(1, Ordering::Relaxed) >= NEAR_CONNECTIONS {
                    self.opened.fetch_sub(1, Ordering::Relaxed);
                    return Ok(None);
                }
                let opened = Connection::open(&self.path).and_then(|mut conn| {
                    configure(&mut conn)?;
                    Ok(conn)
                });
                match opened {
                    Ok(conn) => conn,
                    Err(e) => {
                        self.opened.fetch_sub(1, Ordering::Relaxed);
                        return Err(e.into());
                    }
                }
            }
        };
        Ok(Some(NearConnection {
            near: self,
            conn: Some(conn),
        }))
    }
}

/// A near connection in use; back among the idle ones when dropped, even by a panic.
struct NearConnection<'a> {
    near: &'a Near,
    conn: Option<Connection>,
}

impl Drop for NearConnection<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        match self.near.idle.lock() {
            Ok(mut idle) => idle.push(conn),
            Err(_) => {
                self.near.opened.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
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

    /// Writes that queue behind a busy writer share its next transaction, each in a
    /// savepoint: a refused one leaves nothing behind, the others are all kept, and each
    /// caller hears its own answer.
    #[rocket::async_test]
    async fn queued_writes_commit_together_and_a_refused_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write(|tx| Ok(tx.execute_batch("CREATE TABLE t (n INTEGER)")?))
            .await
            .unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let db = db.clone();
            rocket::tokio::spawn(async move {
                db.write(move |_| {
                    let _ = held.recv();
                    Ok(())
                })
                .await
            })
        };
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        let writes: Vec<_> = (0..10_i64)
            .map(|n| {
                let db = db.clone();
                rocket::tokio::spawn(async move {
                    db.write(move |tx| {
                        tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                        if n % 2 == 1 {
                            return Err(AppError::conflict("n", "odd"));
                        }
                        Ok(n)
                    })
                    .await
                })
            })
            .collect();
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        drop(release);
        blocker.await.unwrap().unwrap();
        for (n, write) in writes.into_iter().enumerate() {
            let answer = write.await.unwrap();
            match n % 2 {
                0 => assert_eq!(answer.unwrap(), n as i64),
                _ => assert!(matches!(answer, Err(AppError::Conflict(_)))),
            }
        }
        let kept: Vec<i64> = db
            .run(|conn| {
                Ok(conn
                    .prepare("SELECT n FROM t ORDER BY n")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
            .unwrap();
        assert_eq!(kept, vec![0, 2, 4, 6, 8]);
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
}
