//! `demo PATH`: a new database holding a small, lived-in library to try the server on —
//! a catalogue, members and staff, loans (one overdue, some returned) and holds.
//!
//! Everything goes in through the same models and lending service the API uses, with
//! the clock set back for the older events, so the demo obeys the same rules a real
//! library would. The passwords are printed and documented: demo use only.

mod books;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::book::{self as rules, BookData};
use crate::domain::{Email, Password, Role, Username};
use crate::models::hold::{self, HoldFilter, HoldStatus};
use crate::models::loan::{self, LoanFilter, LoanStatus};
use crate::models::user::{self, NewUser};
use crate::models::{book, now, Page};
use crate::services::lending::{self, Actor, Policy};
use books::{DemoBook, BOOKS};

type CliResult = Result<(), Box<dyn std::error::Error>>;

struct DemoUser {
    username: &'static str,
    role: Role,
    password: &'static str,
}

const ADMIN_PASSWORD: &str = "demo-admin-pass";
const LIBRARIAN_PASSWORD: &str = "demo-librarian-pass";
const MEMBER_PASSWORD: &str = "demo-member-pass";
const EMAIL_DOMAIN: &str = "demo.library";

const fn member(username: &'static str) -> DemoUser {
    DemoUser {
        username,
        role: Role::Member,
        password: MEMBER_PASSWORD,
    }
}

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "admin",
        role: Role::Admin,
        password: ADMIN_PASSWORD,
    },
    DemoUser {
        username: "librarian",
        role: Role::Librarian,
        password: LIBRARIAN_PASSWORD,
    },
    member("maria.garcia"),
    member("tom_okafor"),
    member("li.wei"),
    member("sam.patel"),
    member("emma.jones"),
    member("noah.k"),
    member("yuki.tanaka"),
    member("olivia.brown"),
];

#[derive(Clone, Copy)]
enum Act {
    Borrow,
    Return,
    Renew,
    Hold,
}

/// The library's recent past, oldest first: (days before now, what, who, which title).
/// With the default policy (14-day loans, 3 days to pick up a hold) this leaves two loans
/// overdue, one renewed, a hold ready for pickup and two readers queueing for a book
/// whose copies are all out.
const HISTORY: &[(i64, Act, &str, &str)] = &[
    (40, Act::Borrow, "maria.garcia", "Pride and Prejudice"),
    (35, Act::Borrow, "tom_okafor", "Dune"),
    (30, Act::Borrow, "li.wei", "The Hobbit"),
    (26, Act::Return, "maria.garcia", "Pride and Prejudice"),
    (25, Act::Borrow, "sam.patel", "Neuromancer"),
    (22, Act::Return, "tom_okafor", "Dune"),
    (20, Act::Borrow, "emma.jones", "Nineteen Eighty-Four"),
    (20, Act::Return, "li.wei", "The Hobbit"),
    (
        16,
        Act::Borrow,
        "noah.k",
        "Sapiens: A Brief History of Humankind",
    ),
    (12, Act::Borrow, "olivia.brown", "The Martian"),
    (9, Act::Borrow, "sam.patel", "Cosmos"),
    (
        8,
        Act::Borrow,
        "tom_okafor",
        "Harry Potter and the Philosopher's Stone",
    ),
    (
        7,
        Act::Borrow,
        "li.wei",
        "Harry Potter and the Philosopher's Stone",
    ),
    (6, Act::Hold, "maria.garcia", "The Martian"),
    (5, Act::Borrow, "maria.garcia", "Matilda"),
    (
        4,
        Act::Hold,
        "emma.jones",
        "Harry Potter and the Philosopher's Stone",
    ),
    (
        3,
        Act::Renew,
        "noah.k",
        "Sapiens: A Brief History of Humankind",
    ),
    (
        2,
        Act::Hold,
        "yuki.tanaka",
        "Harry Potter and the Philosopher's Stone",
    ),
    (2, Act::Borrow, "olivia.brown", "The Left Hand of Darkness"),
    (1, Act::Return, "olivia.brown", "The Martian"),
    (1, Act::Borrow, "yuki.tanaka", "The Very Hungry Caterpillar"),
];

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
}

/// Fills a fresh database at `path` in one transaction.
fn build(settings: &Settings, path: &Path) -> Result<Summary, Box<dyn std::error::Error>> {
    let cost = settings.config.bcrypt_cost;
    let policy = Policy::from_config(&settings.config);
    // bcrypt is slow by design: hash before taking the write lock.
    let hashes = USERS
        .iter()
        .map(|u| {
            crate::auth::password::hash_blocking(&Password::parse(u.password)?, cost)
                .map_err(Into::into)
        })
        .collect::<Result<Vec<String>, Box<dyn std::error::Error>>>()?;

    let db = Db::open(path)?;
    let mut conn = db.get()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut user_ids = HashMap::new();
    let mut staff = None;
    for (demo, hash) in USERS.iter().zip(&hashes) {
        let email = Email::parse(&format!("{}@{EMAIL_DOMAIN}", demo.username))?;
        let username = Username::parse(demo.username)?;
        let added = user::insert(
            &tx,
            &NewUser {
                email: &email,
                username: &username,
                password_hash: hash,
                role: Some(demo.role),
            },
        )?;
        if demo.role == Role::Librarian {
            staff = Some(Actor::of(&added));
        }
        user_ids.insert(demo.username, added.id);
    }
    let staff = staff.ok_or("the demo needs a librarian")?;

    let mut book_ids = HashMap::new();
    for demo in BOOKS {
        let data = book_data(demo).map_err(|e| format!("demo book {:?}: {e}", demo.title))?;
        book_ids.insert(demo.title, book::insert(&tx, &data)?);
    }

    let today = now();
    let mut open_loans: HashMap<(i64, i64), i64> = HashMap::new();
    for &(days_ago, act, who, title) in HISTORY {
        let at = today - days_ago * DAY;
        let user_id = *user_ids
            .get(who)
            .ok_or_else(|| format!("no demo user {who}"))?;
        let book_id = *book_ids
            .get(title)
            .ok_or_else(|| format!("no demo book {title:?}"))?;
        let what = |e| format!("{who} and {title:?}, {days_ago} days ago: {e}");
        let loan_of = |loans: &HashMap<(i64, i64), i64>| {
            loans
                .get(&(user_id, book_id))
                .copied()
                .ok_or_else(|| what("no such loan".to_string()))
        };
        match act {
            Act::Borrow => {
                let lent = lending::borrow(&tx, policy, book_id, user_id, at)
                    .map_err(|e| what(e.to_string()))?;
                open_loans.insert((user_id, book_id), lent.id);
            }
            Act::Return => {
                let id = loan_of(&open_loans)?;
                lending::return_loan(&tx, policy, staff, id, at)
                    .map_err(|e| what(e.to_string()))?;
                open_loans.remove(&(user_id, book_id));
            }
            Act::Renew => {
                let id = loan_of(&open_loans)?;
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

    let summary = summarise(&tx, today)?;
    tx.commit()?;
    Ok(summary)
}

/// The demo book through the same field rules the API and the importer apply.
fn book_data(demo: &DemoBook) -> Result<BookData, String> {
    let field = |name: &'static str| move |e: String| format!("{name} {e}");
    Ok(BookData {
        title: rules::title(demo.title).map_err(field("title"))?,
        author: rules::author(demo.author).map_err(field("author"))?,
        subtitle: None,
        series: None,
        series_number: None,
        isbn: rules::isbn(demo.isbn).map_err(field("isbn"))?,
        publisher: rules::publisher(demo.publisher).map_err(field("publisher"))?,
        published_year: Some(rules::published_year(demo.year).map_err(field("published_year"))?),
        language: rules::language(demo.language).map_err(field("language"))?,
        description: rules::description(demo.description).map_err(field("description"))?,
        tags: rules::tags(demo.tags.iter().copied()).map_err(field("tags"))?,
        copies: rules::copies(demo.copies).map_err(field("copies"))?,
    })
}

fn summarise(conn: &Connection, today: i64) -> Result<Summary, Box<dyn std::error::Error>> {
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
    Ok(Summary {
        books: book::count(conn)?,
        copies: BOOKS.iter().map(|b| b.copies).sum(),
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
    })
}

/// Leaves one small self-contained file: no `-wal`/`-shm` beside it, free pages dropped.
/// The server turns WAL back on when it opens the file.
fn compact(path: &Path) -> CliResult {
    let conn = Connection::open(path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if mode != "delete" {
        return Err(format!("could not leave WAL mode (journal_mode is {mode})").into());
    }
    conn.execute_batch("VACUUM")?;
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(format!("the demo database failed its check: {check}").into());
    }
    conn.close().map_err(|(_, e)| e)?;
    Ok(())
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
    for demo in USERS.iter().filter(|u| u.role != Role::Member) {
        println!(
            "  {:<9}  {}@{EMAIL_DOMAIN}  /  {}",
            demo.role.as_str(),
            demo.username,
            demo.password
        );
    }
    let members: Vec<&str> = USERS
        .iter()
        .filter(|u| u.role == Role::Member)
        .map(|u| u.username)
        .collect();
    println!(
        "  members    <username>@{EMAIL_DOMAIN}  /  {MEMBER_PASSWORD}  ({})",
        members.join(", ")
    );
}
