//! CSV import: this project's export, a Goodreads library export or a Libib export, told
//! apart by their header rows.
//!
//! Rules, per row: a row whose ISBN is already catalogued updates that book (fields the
//! row leaves blank keep their value); any other row creates a book. A row without a
//! title or an author is skipped and reported. A row whose ISBN does not verify is still
//! imported, without an ISBN, and reported — losing a book's other details over a typo
//! in one field would be worse. Any other bad field skips the row. One bad row never
//! stops the rest; the caller's single transaction holds every good row.

mod formats;

use rusqlite::Transaction;
use serde::Serialize;

use crate::error::{ApiResult, AppError};
use crate::models::book as books;
use crate::models::now;
use crate::services::lending;
use formats::{read_row, Format, Incoming, Layout};

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

fn file_problem(problem: impl Into<String>) -> AppError {
    AppError::invalid("file", problem)
}

/// Creates or updates one book from a row; Err is why the row was skipped.
fn store(tx: &Transaction, incoming: Incoming) -> ApiResult<Result<bool, String>> {
    let existing = match &incoming.isbn {
        Some(isbn) => books::find_by_isbn(tx, isbn)?,
        None => None,
    };
    let outcome = match existing {
        None => books::insert(tx, &incoming.create()).map(|_| true),
        Some(book) => {
            let data = incoming.update(book.data()?);
            lending::check_copies(tx, book.id, data.copies, now())
                .and_then(|()| books::update(tx, book.id, &data))
                .map(|_| false)
        }
    };
    match outcome {
        Ok(created) => Ok(Ok(created)),
        Err(AppError::Conflict(errors)) => Ok(Err(errors
            .iter()
            .map(|(field, problem)| format!("{field} {problem}"))
            .collect::<Vec<_>>()
            .join("; "))),
        Err(e) => Err(e),
    }
}

/// Imports a CSV file inside `tx`. `progress` hears how many bytes have been read, now
/// and then. A file that is not UTF-8, not CSV, or has columns of no known format is a
/// 400 naming `file`; problems in rows are in the report.
pub fn import(
    tx: &Transaction,
    bytes: &[u8],
    progress: &mut dyn FnMut(u64),
) -> ApiResult<ImportReport> {
    let text = std::str::from_utf8(bytes).map_err(|_| file_problem("is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(file_problem("is empty"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
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
    let layout = Layout::new(format, &headers);
    // One import touches every index of books and the full-text index; with SQLite's
    // default 2 MiB page cache a large file spills and re-reads pages over and over.
    let cache_size: i64 = tx.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    tx.pragma_update(None, "cache_size", IMPORT_CACHE_SIZE)?;
    let report = import_rows(tx, &mut reader, &layout, progress);
    tx.pragma_update(None, "cache_size", cache_size)?;
    report
}

/// Page cache for an import, in SQLite's negative-means-KiB form: 64 MiB.
const IMPORT_CACHE_SIZE: i64 = -65_536;

fn import_rows(
    tx: &Transaction,
    reader: &mut csv::Reader<&[u8]>,
    layout: &Layout,
    progress: &mut dyn FnMut(u64),
) -> ApiResult<ImportReport> {
    let mut report = ImportReport::default();
    let mut row = csv::StringRecord::new();
    let mut rows_read: u64 = 0;
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("has {len} fields where the header has {expected_len}"),
                    _ => format!("cannot be read as CSV ({e})"),
                };
                report.skipped += 1;
                report.errors.push(RowError { line, reason });
                continue;
            }
        }
        let line = row.position().map(|p| p.line()).unwrap_or(line);
        rows_read += 1;
        if rows_read.is_multiple_of(1000) {
            progress(reader.position().byte());
        }
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (incoming, note) = match read_row(layout, &row) {
            Ok(read) => read,
            Err(reason) => {
                report.skipped += 1;
                report.errors.push(RowError { line, reason });
                continue;
            }
        };
        match store(tx, incoming)? {
            Ok(created) => {
                if created {
                    report.created += 1;
                } else {
                    report.updated += 1;
                }
                if let Some(reason) = note {
                    report.errors.push(RowError { line, reason });
                }
            }
            Err(reason) => {
                report.skipped += 1;
                report.errors.push(RowError { line, reason });
            }
        }
    }
    progress(reader.position().byte());
    Ok(report)
}
