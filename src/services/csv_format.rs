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

fn record(book: &Book) -> [String; 14] {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        book.id.to_string(),
        book.title.clone(),
        book.author.clone(),
        text(&book.isbn),
        text(&book.publisher),
        book.published_year
            .map(|y| y.to_string())
            .unwrap_or_default(),
        text(&book.language),
        text(&book.description),
        book.tags.join(TAG_SEPARATOR),
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
