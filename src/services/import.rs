//! CSV import: this project's export, a Goodreads library export or a Libib export, told
//! apart by their header rows.
//!
//! Rules, per row: a row of this very database's export (its `instance_id` is ours) updates
//! the book its `id` names; then a row whose ISBN is already catalogued updates that book
//! (fields the row leaves blank keep their value); any other row creates a book. Ids from
//! another database's export are never used, so its file cannot overwrite unrelated books.
//! A row without a title or an author is skipped and reported. A row whose ISBN does not
//! verify is still imported, without an ISBN, and reported — losing a book's other details
//! over a typo in one field would be worse. Any other bad field skips the row. One bad row
//! never stops the rest.
//!
//! Rows are written in chunks, each its own short write transaction, so lending and every
//! other write go on between them while a large file is imported: a row is either written
//! whole or reported, and the rows of chunks already written stay if a later chunk fails.

mod formats;

use std::io::Cursor;
use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde::Serialize;

use crate::error::{ApiResult, AppError};
use crate::models::book as books;
use crate::models::now;
use crate::models::setting;
use crate::services::copies::{self, CopyRules};
use formats::{read_row, Format, Incoming, Layout};

/// What an import did. `errors` lists the first problems (at most `REPORTED_ERRORS` over
/// HTTP); `error_count` counts them all.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    /// The first problems, in file order: rows skipped, and rows imported with a field
    /// dropped (a bad ISBN).
    #[schema(max_items = 100)]
    pub errors: Vec<RowError>,
    /// Every problem found, listed or not.
    pub error_count: u64,
    /// True when `errors` lists fewer problems than `error_count`.
    pub errors_truncated: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// Problems an HTTP import lists; the rest are only counted, so a file of bad rows cannot
/// make an answer of many megabytes.
pub const REPORTED_ERRORS: usize = 100;

/// How long one chunk's write transaction should take, commit included, so that other
/// writes never wait long behind an import, on slow hardware too (a Raspberry Pi writes
/// several times slower than a PC). Committing costs about as much again as storing the
/// rows (the full-text index is written out then), so chunks are sized by how long the
/// previous ones took, between `MIN_CHUNK_ROWS` and `MAX_CHUNK_ROWS`.
const CHUNK_TIME: Duration = Duration::from_millis(50);
const MIN_CHUNK_ROWS: usize = 20;
const MAX_CHUNK_ROWS: usize = 500;
/// The first chunk, before anything is measured.
const FIRST_CHUNK_ROWS: usize = 100;

fn file_problem(problem: impl Into<String>) -> AppError {
    AppError::invalid("file", problem)
}

enum Stored {
    Created,
    Updated,
}

/// The book a row names: by id when the row comes from this database's own export (`ours`
/// is its instance id), else by ISBN.
fn existing_book(
    tx: &Transaction,
    incoming: &Incoming,
    ours: &str,
) -> ApiResult<Option<books::Book>> {
    if let Some(origin) = incoming.origin.as_ref().filter(|o| o.instance == ours) {
        if let Some(book) = books::find(tx, origin.id)? {
            return Ok(Some(book));
        }
    }
    match &incoming.isbn {
        Some(isbn) => books::find_by_isbn(tx, isbn),
        None => Ok(None),
    }
}

/// Creates or updates one book from a row; Err is why the row was skipped.
fn store(
    tx: &Transaction,
    incoming: Incoming,
    ours: &str,
    rules: &CopyRules,
) -> ApiResult<Result<Stored, String>> {
    let outcome = match existing_book(tx, &incoming, ours)? {
        None => {
            let data = incoming.create()?;
            books::insert_in_chunk(tx, &data)
                .and_then(|id| copies::first_copies(tx, id, data.copies, &rules.prefix))
                .map(|_| Stored::Created)
        }
        Some(book) => {
            let data = incoming.update(book.data()?)?;
            copies::set_count(tx, rules.policy, book.id, data.copies, &rules.prefix, now())
                .and_then(|()| books::update(tx, book.id, &data))
                .map(|_| Stored::Updated)
        }
    };
    match outcome {
        Ok(stored) => Ok(Ok(stored)),
        Err(AppError::Conflict(errors)) => Ok(Err(errors
            .iter()
            .map(|(field, problem)| format!("{field} {problem}"))
            .collect::<Vec<_>>()
            .join("; "))),
        Err(e) => Err(e),
    }
}

/// An import under way: the file, where reading has got to, and the report so far. Made by
/// `Import::new`, then fed one write transaction at a time to `next_chunk` until
/// `finished`.
pub struct Import {
    reader: csv::Reader<Cursor<Vec<u8>>>,
    /// Bytes before the reader's start (a byte-order mark).
    skipped_bytes: u64,
    layout: Layout,
    report: ImportReport,
    error_limit: usize,
    /// How copies are added and withdrawn as rows set `copies`.
    rules: CopyRules,
    /// This database's instance id, read in the first chunk.
    instance_id: Option<String>,
    row: csv::StringRecord,
    finished: bool,
    /// Rows the next chunk may read.
    chunk_rows: usize,
    /// When the previous chunk started, and how many rows it read.
    previous: Option<(Instant, usize)>,
}

impl Import {
    /// Checks the file and its header. A file that is not UTF-8, not CSV, or has columns of
    /// no known format is a 400 naming `file`; problems in rows are in the report, of which
    /// `errors` lists the first `error_limit`.
    pub fn new(bytes: Vec<u8>, error_limit: usize, rules: CopyRules) -> ApiResult<Import> {
        let text = std::str::from_utf8(&bytes).map_err(|_| file_problem("is not UTF-8 text"))?;
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        if text[bom..].trim().is_empty() {
            return Err(file_problem("is empty"));
        }
        let mut cursor = Cursor::new(bytes);
        cursor.set_position(bom as u64);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(cursor);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|_| file_problem("is not a CSV file"))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let format = Format::detect(&headers).ok_or_else(|| {
            file_problem(
                "has columns of no known format (expected this server's export, a Goodreads \
                 export or a Libib export)",
            )
        })?;
        Ok(Import {
            reader,
            skipped_bytes: bom as u64,
            layout: Layout::new(format, &headers),
            report: ImportReport::default(),
            error_limit,
            rules,
            instance_id: None,
            row: csv::StringRecord::new(),
            finished: false,
            chunk_rows: FIRST_CHUNK_ROWS,
            previous: None,
        })
    }

    /// True once every row has been read.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// How far into the file reading has got, in bytes.
    pub fn bytes_read(&self) -> u64 {
        self.skipped_bytes + self.reader.position().byte()
    }

    /// The report so far (complete once `finished`).
    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    pub fn into_report(self) -> ImportReport {
        self.report
    }

    fn problem(&mut self, line: u64, reason: String) {
        self.report.error_count += 1;
        if self.report.errors.len() < self.error_limit {
            self.report.errors.push(RowError { line, reason });
        } else {
            self.report.errors_truncated = true;
        }
    }

    fn skip(&mut self, line: u64, reason: String) {
        self.report.skipped += 1;
        self.problem(line, reason);
    }

    /// Sizes this chunk from the time, start to start, the previous one took: its rows,
    /// its commit and whatever other writes went between.
    fn size_chunk(&mut self, now: Instant) {
        if let Some((started, rows)) = self.previous {
            let took = now.duration_since(started).as_secs_f64().max(1e-6);
            let fitting = (rows as f64 * CHUNK_TIME.as_secs_f64() / took) as usize;
            // Grow gently, shrink at once.
            self.chunk_rows = fitting
                .min(self.chunk_rows * 2)
                .clamp(MIN_CHUNK_ROWS, MAX_CHUNK_ROWS);
        }
    }

    /// Reads rows and writes them in `tx` until the file ends, the chunk's share of rows
    /// has been read or `CHUNK_TIME` has passed. An Err (the database failing) leaves the
    /// report counting rows that `tx`, rolled back, does not hold.
    pub fn next_chunk(&mut self, tx: &Transaction) -> ApiResult<()> {
        let started = Instant::now();
        self.size_chunk(started);
        let ours = match &self.instance_id {
            Some(id) => id.clone(),
            None => setting::instance_id(tx)?,
        };
        self.instance_id = Some(ours.clone());
        // The chunk's new books get their shelf count and their place in the search
        // index together, at its end.
        books::start_chunk(tx)?;
        let mut rows = 0;
        // Storing rows gets half the time: committing them takes about as long.
        while rows < self.chunk_rows && started.elapsed() < CHUNK_TIME / 2 {
            rows += 1;
            let line = self.reader.position().line();
            match self.reader.read_record(&mut self.row) {
                Ok(false) => {
                    self.finished = true;
                    break;
                }
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(line);
                    let reason = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("has {len} fields where the header has {expected_len}"),
                        _ => format!("cannot be read as CSV ({e})"),
                    };
                    self.skip(line, reason);
                    continue;
                }
            }
            let line = self.row.position().map(|p| p.line()).unwrap_or(line);
            if self.row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let (incoming, note) = match read_row(&self.layout, &self.row) {
                Ok(read) => read,
                Err(reason) => {
                    self.skip(line, reason);
                    continue;
                }
            };
            match store(tx, incoming, &ours, &self.rules)? {
                Ok(Stored::Created) => self.report.created += 1,
                Ok(Stored::Updated) => self.report.updated += 1,
                Err(reason) => {
                    self.skip(line, reason);
                    continue;
                }
            }
            if let Some(reason) = note {
                self.problem(line, reason);
            }
        }
        books::catch_up_chunk(tx)?;
        self.previous = Some((started, rows));
        Ok(())
    }
}

/// Page cache for a command-line import, in SQLite's negative-means-KiB form: 64 MiB. One
/// import touches every index of books and the full-text index; with SQLite's default
/// 2 MiB cache a large file re-reads the same pages over and over.
const IMPORT_CACHE_SIZE: i64 = -65_536;

/// Imports a whole file on `conn`, one `BEGIN IMMEDIATE` transaction a chunk, for callers
/// that own a connection (the command line, benchmarks). `progress` hears how many bytes
/// have been read after each chunk. Every problem is listed.
pub fn import_file(
    conn: &mut Connection,
    bytes: Vec<u8>,
    rules: CopyRules,
    progress: &mut dyn FnMut(u64),
) -> ApiResult<ImportReport> {
    let mut import = Import::new(bytes, usize::MAX, rules)?;
    let cache_size: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", IMPORT_CACHE_SIZE)?;
    let mut outcome = Ok(());
    while outcome.is_ok() && !import.finished() {
        let written = import.report().created + import.report().updated;
        outcome = write_chunk(conn, &mut import).map_err(|e| {
            AppError::Internal(format!(
                "{e}; the import stopped, and the {written} rows written before stay"
            ))
        });
        progress(import.bytes_read());
    }
    conn.pragma_update(None, "cache_size", cache_size)?;
    outcome.map(|()| import.into_report())
}

fn write_chunk(conn: &mut Connection, import: &mut Import) -> ApiResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    import.next_chunk(&tx)?;
    Ok(tx.commit()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The search index after an import is the one the triggers would have made: books
    /// created and changed again in the same chunk, and books of earlier chunks changed
    /// by later ones, are found by their last words only, and FTS5 finds nothing amiss.
    #[test]
    fn an_import_indexes_each_chunk_as_the_books_end_up() {
        let mut conn = crate::db::open_migrated_in_memory().unwrap();
        let rules = CopyRules::from_config(&crate::config::Config::default());
        let csv = "title,author,isbn,publisher,published_year,language,description,tags,copies\n\
                   Old Moon,Ann Author,9780141439518,,,,first words,,3\n\
                   Bright Harbour,Ben Author,,,,,,,1\n\
                   New Moon,Ann Author,9780141439518,,,,second words,,2\n";
        let report = import_file(&mut conn, csv.as_bytes().to_vec(), rules, &mut |_| {}).unwrap();
        assert_eq!((report.created, report.updated), (2, 1), "{report:?}");
        // A later import (another chunk, another transaction) changes a book again.
        let again = "title,author,isbn,publisher,published_year,language,description,tags,copies\n\
                     Newest Moon,Ann Author,9780141439518,,,,third words,,2\n";
        let rules = CopyRules::from_config(&crate::config::Config::default());
        import_file(&mut conn, again.as_bytes().to_vec(), rules, &mut |_| {}).unwrap();
        let found = |word: &str| -> i64 {
            conn.query_row(
                "SELECT COUNT(*) FROM books_fts WHERE books_fts MATCH ?1",
                [word],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(found("newest"), 1);
        assert_eq!(found("harbour"), 1);
        assert_eq!(found("old") + found("first") + found("second"), 0);
        conn.execute(
            "INSERT INTO books_fts (books_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM import_chunk", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
        // Each book's copies on the shelf, as the triggers would have counted them (a new
        // book is written counting the copies its row asks for; Old Moon's 3 became 2).
        let shelves: Vec<(String, i64)> = conn
            .prepare("SELECT title, on_shelf FROM books ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            shelves,
            vec![
                ("Newest Moon".to_string(), 2),
                ("Bright Harbour".to_string(), 1)
            ]
        );
    }

    #[test]
    fn the_documented_list_limit_is_the_one_applied() {
        let schema = serde_json::to_value(<ImportReport as utoipa::PartialSchema>::schema())
            .expect("schema");
        assert_eq!(
            schema["properties"]["errors"]["maxItems"], REPORTED_ERRORS,
            "{schema}"
        );
    }
}
