//! This project's own CSV format: what export writes and import reads back.

use std::borrow::Cow;
use std::io::Write;
use std::sync::LazyLock;

use rusqlite::Connection;

use crate::domain::book::{FieldValue, FIELDS};
use crate::error::{ApiResult, AppError};
use crate::models::book::{self, Book};
use crate::models::setting;
use crate::views::HttpDate;

/// The header row: `id`, every field of the book object (`FIELDS`) in its order, what the
/// server keeps, then the name of the database the file came from. `available`,
/// `cover_file` and the timestamps are written for people reading the file; import ignores
/// them. Import matches a row to a book by `id` only when the row's `instance_id` is this
/// database's (see `setting::instance_id`).
pub static HEADERS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut headers = vec!["id"];
    headers.extend(FIELDS.iter().map(|f| f.name));
    headers.extend([
        "available",
        "cover_file",
        "created_at",
        "modified_at",
        "instance_id",
    ]);
    headers
});

/// How tags are joined in one cell (a tag never holds a comma, so this splits back).
pub const TAG_SEPARATOR: &str = ", ";

fn csv_error(e: csv::Error) -> AppError {
    AppError::Internal(format!("writing CSV: {e}"))
}

/// Spreadsheets run a cell that starts with one of these as a formula: the ASCII signs,
/// their full-width forms (which some spreadsheets fold to ASCII), tab and CR (which Excel
/// skips before looking), and `"` (a quoted formula once the cell is re-parsed). A book
/// title must never do that on a librarian's machine.
const FORMULA_STARTS: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '"', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// The mark that defuses a formula: spreadsheets hide a leading apostrophe.
const GUARD: char = '\'';

/// Some spreadsheets (with a European locale) split a CSV line on `;` as well, so the text
/// after each `;` becomes a cell of its own and is guarded like a whole cell.
const SPLIT: char = ';';

/// Whether a spreadsheet would read `piece` as a formula, spaces before it included.
fn opens_formula(piece: &str) -> bool {
    piece
        .chars()
        .find(|c| FORMULA_STARTS.contains(c) || !c.is_whitespace())
        .is_some_and(|c| FORMULA_STARTS.contains(&c))
}

/// Text for a cell: an apostrophe before the whole text and after each `;` defuses a
/// formula there. An apostrophe already in such a place is guarded too, so `unguard_text`
/// restores every value exactly.
pub fn guard_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for (index, piece) in text.split(SPLIT).enumerate() {
        if index > 0 {
            out.push(SPLIT);
        }
        if piece.starts_with(GUARD) || opens_formula(piece) {
            out.push(GUARD);
        }
        out.push_str(piece);
    }
    out
}

/// The inverse of `guard_text`, for cells read back from our own export: one apostrophe
/// goes from the start and from after each `;`. (A hand-made file in our format loses an
/// apostrophe in those places too.)
pub fn unguard_text(cell: &str) -> Cow<'_, str> {
    if !cell.contains(GUARD) {
        return Cow::Borrowed(cell);
    }
    let pieces: Vec<&str> = cell
        .split(SPLIT)
        .map(|piece| piece.strip_prefix(GUARD).unwrap_or(piece))
        .collect();
    Cow::Owned(pieces.join(SPLIT.encode_utf8(&mut [0; 4])))
}

/// A field's cell: text guarded against formulas, none as an empty cell.
fn cell(value: FieldValue) -> String {
    match value {
        FieldValue::Text(text) => guard_text(text.as_deref().unwrap_or_default()),
        FieldValue::Number(number) => number.map(|n| n.to_string()).unwrap_or_default(),
        FieldValue::Isbn(isbn) => isbn.map(|i| i.to_string()).unwrap_or_default(),
        FieldValue::Tags(tags) => guard_text(&tags.join(TAG_SEPARATOR)),
    }
}

/// A book's row, in the order of `HEADERS`.
fn record(book: &Book, instance_id: &str) -> Vec<String> {
    let mut record = vec![book.id.to_string()];
    record.extend(FIELDS.iter().map(|field| cell((field.get)(&book.data))));
    record.extend([
        book.available.to_string(),
        guard_text(book.cover_file.as_deref().unwrap_or_default()),
        HttpDate::format(book.created_at),
        HttpDate::format(book.modified_at),
        instance_id.to_string(),
    ]);
    record
}

/// Writes every book, with a header row, to `out`; `progress` hears of each book written.
pub fn export<W: Write>(conn: &Connection, out: W, progress: &mut dyn FnMut()) -> ApiResult<W> {
    let instance_id = setting::instance_id(conn)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADERS.iter()).map_err(csv_error)?;
    book::for_each(conn, |book| {
        writer
            .write_record(record(book, &instance_id))
            .map_err(csv_error)?;
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

    /// No piece a spreadsheet could make of the cell (the whole, or split on `;`) opens a
    /// formula, and the text comes back unchanged.
    fn assert_safe_and_restored(text: &str) {
        let guarded = guard_text(text);
        for piece in guarded.split(SPLIT) {
            assert!(!opens_formula(piece), "{text:?} guarded as {guarded:?}");
        }
        assert_eq!(unguard_text(&guarded), text, "guarded as {guarded:?}");
    }

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
            assert_safe_and_restored(text);
        }
        assert_eq!(guard_text("Dune"), "Dune");
        assert_eq!(guard_text("=1+1"), "'=1+1");
    }

    #[test]
    fn full_width_signs_quotes_tabs_and_spaces_are_defused() {
        for (text, guarded) in [
            ("\u{FF1D}1+1", "'\u{FF1D}1+1"),
            ("\u{FF0B}x", "'\u{FF0B}x"),
            ("\u{FF0D}x", "'\u{FF0D}x"),
            ("\u{FF20}SUM(A1)", "'\u{FF20}SUM(A1)"),
            ("\"=1+1\"", "'\"=1+1\""),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("  =1+1", "'  =1+1"),
            ("\u{3000}\u{FF1D}1", "'\u{3000}\u{FF1D}1"),
            ("A b", "A b"),
        ] {
            assert_eq!(guard_text(text), guarded, "{text:?}");
            assert_safe_and_restored(text);
        }
    }

    #[test]
    fn text_after_a_semicolon_is_guarded_like_a_cell() {
        assert_eq!(
            guard_text("Dune;=HYPERLINK(\"x\")"),
            "Dune;'=HYPERLINK(\"x\")"
        );
        assert_eq!(guard_text("a; -b;c"), "a;' -b;c");
        assert_eq!(guard_text("a;'b"), "a;''b");
        assert_eq!(guard_text("=a;@b"), "'=a;'@b");
        assert_eq!(guard_text("Dune; the spice"), "Dune; the spice");
        for text in ["Dune;=1", ";=1", "a;;+1", "a;'", ";", "x; \u{FF1D}1"] {
            assert_safe_and_restored(text);
        }
    }

    #[test]
    fn every_short_text_round_trips_safely() {
        let alphabet = ['=', ';', '\'', ' ', 'a', '"', '\u{FF20}', '\t'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for text in &texts {
                assert_safe_and_restored(text);
            }
        }
    }
}
