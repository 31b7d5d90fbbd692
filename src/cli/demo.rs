//! `demo PATH`: a new database holding a small, lived-in library to try the server on —
//! a catalogue, members and staff, loans (two overdue, some returned) and holds.
//!
//! The library is three embedded files: `books.csv` in this server's own export format,
//! read by the same importer as `library-server import`; `people.csv`, the staff and
//! members; and `circulation.txt`, the loans, returns, renewals and holds of the last few
//! weeks, played through the lending service with the clock set back for each, so the
//! demo obeys the same rules a real library would. The passwords are printed and
//! documented: demo use only.

mod people;
mod script;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::{Email, Password, Pin, Role};
use crate::models::hold::{self, HoldFilter, HoldStatus};
use crate::models::loan::{self, LoanFilter, LoanStatus};
use crate::models::user::{self, NewUser, PatronRecord};
use crate::models::{book, item, now, setting, Page};
use crate::services::copies::CopyRules;
use crate::services::import::Import;
use crate::services::lending::{self, Actor, Policy};
use people::{people, Login};
use script::Act;

type CliResult = Result<(), Box<dyn std::error::Error>>;

const BOOKS: &str = include_str!("demo/books.csv");
const CIRCULATION: &str = include_str!("demo/circulation.txt");

const DAY: i64 = 24 * 60 * 60;

pub fn demo(settings: &Settings, target: &Path) -> CliResult {
    if target.exists() {
        return Err(format!("{} already exists; choose a new file", target.display()).into());
    }
    // Built beside the target and renamed when complete, so a failed run leaves nothing
    // behind that the next run would refuse.
    let partial = with_suffix(target, ".part");
    remove_database_files(&partial)?;
    let result = build(settings, &partial).and_then(|summary| {
        compact(&partial)?;
        if target.exists() {
            return Err(
                format!("{} appeared meanwhile; not replacing it", target.display()).into(),
            );
        }
        std::fs::rename(&partial, target)?;
        Ok(summary)
    });
    match result {
        Ok(summary) => {
            print_summary(target, &summary);
            Ok(())
        }
        Err(e) => {
            let _ = remove_database_files(&partial);
            Err(e)
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_database_files(path: &Path) -> std::io::Result<()> {
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

struct Summary {
    books: i64,
    copies: i64,
    users: i64,
    loans: [(LoanStatus, i64); 3],
    holds: [(HoldStatus, i64); 2],
    logins: Vec<Login>,
}

/// Fills a fresh database at `path` in one transaction.
fn build(settings: &Settings, path: &Path) -> Result<Summary, Box<dyn std::error::Error>> {
    let cost = settings.config.bcrypt_cost;
    let policy = Policy::from_config(&settings.config);
    let logins = people()?;
    let events = script::parse(CIRCULATION).map_err(|e| format!("circulation.txt {e}"))?;
    // bcrypt is slow by design: hash before taking the write lock.
    let hashes = logins
        .iter()
        .map(|login| {
            let secret = match login.pin {
                true => Password::of_pin(&Pin::parse(login.password)?),
                false => Password::parse(login.password)?,
            };
            crate::auth::password::hash_blocking(&secret, cost).map_err(Into::into)
        })
        .collect::<Result<Vec<String>, Box<dyn std::error::Error>>>()?;

    let db = Db::open(path)?;
    let mut conn = db.get()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut user_ids = HashMap::new();
    let mut staff = None;
    for (login, hash) in logins.iter().zip(&hashes) {
        let added = user::insert(
            &tx,
            &NewUser {
                email: login.email.as_ref(),
                username: &login.username,
                password_hash: Some(hash),
                role: Some(login.role),
                status: crate::domain::PatronStatus::Active,
                card_prefix: &settings.config.card_prefix,
            },
        )?;
        let patron = PatronRecord {
            full_name: login.full_name.clone(),
            card_number: added.card_number.clone(),
            group: login.group.clone(),
            email: added.email.clone(),
            phone: None,
            note: None,
            card_expires_on: None,
            status: added.status,
            blocked_reason: None,
        };
        user::save_patron(&tx, added.id, &patron)?;
        let added = user::find(&tx, added.id)?.ok_or("a demo user vanished")?;
        if login.role == Role::Librarian {
            staff = Some(Actor::of(&added));
        }
        user_ids.insert(login.username.as_str().to_string(), added.id);
    }
    let staff = staff.ok_or("the demo needs a librarian")?;

    import_books(&tx, CopyRules::from_config(&settings.config))?;
    let mut book_ids = HashMap::new();
    book::for_each(&tx, |book| {
        book_ids.insert(book.data.title.clone(), book.id);
        Ok(())
    })?;

    let today = now();
    let mut open_loans = HashMap::new();
    for event in &events {
        let at = today - event.days_ago * DAY;
        let what = |e: String| format!("circulation.txt line {}: {e}", event.line);
        let user_id = *user_ids
            .get(event.username)
            .ok_or_else(|| what(format!("no demo user {}", event.username)))?;
        let book_id = *book_ids
            .get(event.title)
            .ok_or_else(|| what(format!("no demo book {:?}", event.title)))?;
        let open_loan = |loans: &HashMap<_, _>| {
            loans
                .get(&(user_id, book_id))
                .copied()
                .ok_or_else(|| what("no such loan".to_string()))
        };
        match event.act {
            Act::Lend => {
                let borrower = user::find(&tx, user_id)?.ok_or("a demo user vanished")?;
                let lent = lending::borrow(&tx, policy, staff, book_id, &borrower, at)
                    .map_err(|e| what(e.to_string()))?;
                open_loans.insert((user_id, book_id), lent.id);
            }
            Act::Return => {
                let id = open_loan(&open_loans)?;
                lending::return_loan(&tx, policy, staff, id, at)
                    .map_err(|e| what(e.to_string()))?;
                open_loans.remove(&(user_id, book_id));
            }
            Act::Renew => {
                let id = open_loan(&open_loans)?;
                lending::renew(&tx, policy, staff, id, at).map_err(|e| what(e.to_string()))?;
            }
            Act::Hold => {
                lending::place_hold(&tx, policy, book_id, user_id, at)
                    .map_err(|e| what(e.to_string()))?;
            }
        }
    }
    // Bring every hold up to today, as the server would before showing them.
    lending::settle_due(&tx, policy, today)?;

    let summary = summarise(&tx, today, logins)?;
    tx.commit()?;
    Ok(summary)
}

/// `books.csv` through the importer users run, in the demo's one transaction. The importer
/// lets a row with a problem pass with a note or skips it; the demo's own file has none.
/// Returns how many books it added.
fn import_books(tx: &Transaction, rules: CopyRules) -> Result<u64, Box<dyn std::error::Error>> {
    let mut import = Import::new(BOOKS.as_bytes().to_vec(), usize::MAX, rules)?;
    while !import.finished() {
        import.next_chunk(tx)?;
    }
    let report = import.into_report();
    if let Some(error) = report.errors.first() {
        return Err(format!("books.csv line {}: {}", error.line, error.reason).into());
    }
    if report.updated > 0 {
        return Err("books.csv has a book twice".into());
    }
    // The import names the database (for telling its own exports apart); each copy of the
    // demo must get its own name when it first starts, as it gets its own JWT secret.
    setting::forget_instance_id(tx)?;
    shelve(tx)?;
    Ok(report.created)
}

/// Gives every copy a shelf mark as a small library writes them: fiction by the first
/// letters of the author's surname ("F AUS"), so the reader's page can say where a book
/// stands.
fn shelve(tx: &Transaction) -> Result<(), Box<dyn std::error::Error>> {
    let mut marks = Vec::new();
    book::for_each(tx, |book| {
        let surname = book.data.author.split_whitespace().last().unwrap_or("");
        let letters: String = surname.chars().take(3).collect::<String>().to_uppercase();
        marks.push((book.id, format!("F {letters}")));
        Ok(())
    })?;
    for (id, mark) in marks {
        item::shelve_all(tx, id, &mark)?;
    }
    Ok(())
}

fn summarise(
    conn: &Connection,
    today: i64,
    logins: Vec<Login>,
) -> Result<Summary, Box<dyn std::error::Error>> {
    let one = Page {
        page: 1,
        per_page: 1,
    };
    let loans_with = |status| -> Result<(LoanStatus, i64), Box<dyn std::error::Error>> {
        let filter = LoanFilter {
            status: Some(status),
            ..LoanFilter::default()
        };
        Ok((status, loan::list(conn, filter, today, one)?.1))
    };
    let holds_with = |status| -> Result<(HoldStatus, i64), Box<dyn std::error::Error>> {
        let filter = HoldFilter {
            status: Some(status),
            ..HoldFilter::default()
        };
        Ok((status, hold::list(conn, filter, today, one)?.1))
    };
    let mut copies = 0;
    book::for_each(conn, |book| {
        copies += book.data.copies;
        Ok(())
    })?;
    Ok(Summary {
        books: book::count(conn)?,
        copies,
        users: user::count(conn)?,
        loans: [
            loans_with(LoanStatus::Active)?,
            loans_with(LoanStatus::Overdue)?,
            loans_with(LoanStatus::Returned)?,
        ],
        holds: [
            holds_with(HoldStatus::Ready)?,
            holds_with(HoldStatus::Waiting)?,
        ],
        logins,
    })
}

/// Leaves one small self-contained file: no `-wal`/`-shm` beside it, free pages dropped.
/// The server turns WAL back on when it opens the file.
fn compact(path: &Path) -> CliResult {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    leave_wal(&conn)?;
    conn.execute_batch("VACUUM")?;
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(format!("the demo database failed its check: {check}").into());
    }
    conn.close().map_err(|(_, e)| e)?;
    Ok(())
}

/// Leaving WAL needs the file to itself, but the writer and checkpoint threads of the `Db`
/// just dropped close their connections in their own time, after `drop` has returned; and
/// SQLite does not wait for them to change the journal mode. So: try again for a while.
fn leave_wal(conn: &Connection) -> CliResult {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mode = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        });
        let busy = match &mode {
            Ok(mode) => mode == "wal",
            Err(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy),
        };
        if !busy || Instant::now() >= deadline {
            return match mode? {
                mode if mode == "delete" => Ok(()),
                mode => Err(format!("could not leave WAL mode (journal_mode is {mode})").into()),
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn print_summary(target: &Path, summary: &Summary) {
    let counts = |pairs: &[(&str, i64)]| {
        pairs
            .iter()
            .map(|(name, n)| format!("{n} {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let loans: Vec<(&str, i64)> = summary
        .loans
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    let holds: Vec<(&str, i64)> = summary
        .holds
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    println!("wrote the demo library to {}", target.display());
    println!(
        "  {} books ({} copies), {} users",
        summary.books, summary.copies, summary.users
    );
    println!("  loans: {}", counts(&loans));
    println!("  holds: {}", counts(&holds));
    println!("demo logins (for demos only; never use these passwords for real):");
    for login in &summary.logins {
        println!(
            "  {:<9}  {}  /  {}",
            login.role.as_str(),
            login
                .email
                .as_ref()
                .map_or(login.username.as_str(), Email::as_str),
            login.password
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_book_imports_cleanly_and_leaves_no_name() {
        let mut conn = crate::db::open_migrated_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        let created = import_books(
            &tx,
            CopyRules::from_config(&crate::config::Config::default()),
        )
        .unwrap();
        assert_eq!(created as usize, BOOKS.lines().count() - 1);
        assert_eq!(setting::get(&tx, "instance_id").unwrap(), None);
    }
}
