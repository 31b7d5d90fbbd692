//! This project's own CSV format: what export writes and import reads back.

use std::io::Write;

use rusqlite::Connection;

use crate::error::{ApiResult, AppError};
use crate::models::book::{self, Book};
use crate::views::HttpDate;

/// Every field of the book object, in its order. `id`, `available`, `cover_file` and the
/// timestamps are written for people reading the file; import ignores them.
pub const HEADERS: [&str; 14] = [
    "id",
    "title",
    "author",
    "isbn",
    "publisher",
    "published_year",
    "language",
    "description",
    "tags",
    "copies",
    "available",
    "cover_file",
    "created_at",
    "modified_at",
];

/// How tags are joined in one cell (a tag never holds a comma, so this splits back).
pub const TAG_SEPARATOR: &str = ", ";

fn csv_error(e: csv::Error) -> AppError {
    AppError::Internal(format!("writing CSV: {e}"))
}

/// Spreadsheets run a cell that starts with one of these as a formula; a book title must
/// never do that on a librarian's machine.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text for a cell: a leading apostrophe (which spreadsheets hide) defuses a formula. An
/// apostrophe that was already there is doubled, so `unguard_text` restores every value.
pub fn guard_text(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) || text.starts_with('\'') {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The inverse of `guard_text`, for cells read back from our own export.
pub fn unguard_text(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

fn record(book: &Book) -> [String; 14] {
    let text = |value: &Option<String>| guard_text(value.as_deref().unwrap_or_default());
    [
        book.id.to_string(),
        guard_text(&book.title),
        guard_text(&book.author),
        text(&book.isbn),
        text(&book.publisher),
        book.published_year
            .map(|y| y.to_string())
            .unwrap_or_default(),
        text(&book.language),
        text(&book.description),
        guard_text(&book.tags.join(TAG_SEPARATOR)),
        book.copies.to_string(),
        book.available.to_string(),
        text(&book.cover_file),
        HttpDate::format(book.created_at),
        HttpDate::format(book.modified_at),
    ]
}

/// Writes every book, with a header row, to `out`; `progress` hears of each book written.
pub fn export<W: Write>(conn: &Connection, out: W, progress: &mut dyn FnMut()) -> ApiResult<W> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADERS).map_err(csv_error)?;
    book::for_each(conn, |book| {
        writer.write_record(record(book)).map_err(csv_error)?;
        progress();
        Ok(())
    })?;
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(format!("writing CSV: {}", e.error())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_restored() {
        for text in [
            "=1+1",
            "+x",
            "-800 BC",
            "@SUM(A1)",
            "'Salem's Lot",
            "''",
            "Dune",
            "",
        ] {
            let guarded = guard_text(text);
            assert!(!guarded.starts_with(FORMULA_STARTS), "{guarded}");
            assert_eq!(unguard_text(&guarded), text);
        }
        assert_eq!(guard_text("Dune"), "Dune");
    }
}
