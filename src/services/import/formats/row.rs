//! How one row of any of the formats becomes a book's fields, with the cell rules the
//! formats share (guarded ISBNs, years in dates, copies).

use super::Layout;
use crate::domain::book::{self, BookData, Field, FieldValue, Raw, FIELDS};
use crate::domain::{BookId, Isbn13};
use crate::error::{ApiResult, AppError};
use crate::services::csv_format;

/// Where a row of our own export came from: the database that wrote it and the book's id
/// there.
#[derive(Debug, PartialEq, Eq)]
pub(in crate::services::import) struct Origin {
    pub(in crate::services::import) instance: String,
    pub(in crate::services::import) id: BookId,
}

/// A row's fields; None is "the row does not say".
#[derive(Debug)]
pub(in crate::services::import) struct Incoming {
    pub(in crate::services::import) origin: Option<Origin>,
    title: String,
    author: String,
    pub(in crate::services::import) isbn: Option<Isbn13>,
    published_year: Option<i64>,
    tags: Option<Vec<String>>,
    copies: Option<i64>,
    /// The plain fields the row gives a value (blank cells give none).
    plain: Vec<(&'static Field, FieldValue)>,
}

impl Incoming {
    /// What the row says of `field`, if anything.
    fn says(&self, field: &Field) -> Option<FieldValue> {
        let some = |value: FieldValue| Some(value);
        match field.name {
            "title" => some(FieldValue::Text(Some(self.title.clone()))),
            "author" => some(FieldValue::Text(Some(self.author.clone()))),
            "isbn" => self.isbn.clone().map(|i| FieldValue::Isbn(Some(i))),
            "published_year" => self.published_year.map(|y| FieldValue::Number(Some(y))),
            "tags" => self.tags.clone().map(FieldValue::Tags),
            "copies" => self.copies.map(|c| FieldValue::Number(Some(c))),
            _ => self
                .plain
                .iter()
                .find(|(f, _)| f.name == field.name)
                .map(|(_, value)| value.clone()),
        }
    }

    pub(in crate::services::import) fn create(self) -> ApiResult<BookData> {
        BookData::build(|field| match self.says(field) {
            Some(value) => Ok(value),
            None => field.absent(),
        })
        .map_err(|e| AppError::Internal(format!("import: {e}")))
    }

    /// `data` with every field the row gives replaced.
    pub(in crate::services::import) fn update(self, mut data: BookData) -> ApiResult<BookData> {
        for field in FIELDS {
            if let Some(value) = self.says(field) {
                if !field.set(&mut data, value) {
                    return Err(AppError::Internal(format!(
                        "import: {} was given a value of another kind",
                        field.name
                    )));
                }
            }
        }
        Ok(data)
    }
}

/// Spreadsheet exports guard ISBNs from number formatting as `="0306406152"`.
fn unguard(cell: &str) -> &str {
    let cell = cell.trim();
    match cell.strip_prefix("=\"").and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.trim(),
        None => cell,
    }
}

/// The year at the start of `2005`, `2005-03-01` or `-800`.
fn leading_year(cell: &str) -> Result<i64, String> {
    let cell = cell.trim();
    let (sign, rest) = match cell.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, cell),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let year: i64 = digits
        .parse()
        .map_err(|_| format!("published year {} is not a year", shown(cell)))?;
    book::published_year(sign * year).map_err(|e| format!("published year {e}"))
}

fn copies_cell(cell: &str, zero_unknown: bool) -> Result<Option<i64>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    let copies: i64 = cell
        .parse()
        .map_err(|_| format!("copies {} is not a whole number", shown(cell)))?;
    if copies == 0 && zero_unknown {
        return Ok(None);
    }
    book::copies(copies)
        .map(Some)
        .map_err(|e| format!("copies {e}"))
}

/// The database and id a row of our export names; None when it names no database (a file
/// made by hand or by an older version) or leaves the id blank (a row added by hand).
fn origin(layout: &Layout, row: &csv::StringRecord) -> Result<Option<Origin>, String> {
    let cell = |at: Option<usize>| at.and_then(|i| row.get(i)).unwrap_or("").trim();
    let (instance, id) = (cell(layout.instance), cell(layout.id));
    if instance.is_empty() || id.is_empty() {
        return Ok(None);
    }
    let id = id
        .parse()
        .map(BookId::new)
        .map_err(|_| format!("id {} is not a whole number", shown(id)))?;
    Ok(Some(Origin {
        instance: instance.to_string(),
        id,
    }))
}

/// A cell quoted in a problem report, cut short: the report must stay small whatever the
/// file holds.
fn shown(cell: &str) -> String {
    const MOST: usize = 40;
    match cell.char_indices().nth(MOST) {
        Some((end, _)) => format!("{:?}…", &cell[..end]),
        None => format!("{cell:?}"),
    }
}

/// Reads one row; Err is why it must be skipped, the note a problem worth reporting on a
/// row that is still imported.
pub(in crate::services::import) fn read_row(
    layout: &Layout,
    row: &csv::StringRecord,
) -> Result<(Incoming, Option<String>), String> {
    let unguarded;
    let row = if layout.formula_guarded {
        unguarded = row
            .iter()
            .map(csv_format::unguard_text)
            .collect::<csv::StringRecord>();
        &unguarded
    } else {
        row
    };
    let get = |i: usize| row.get(i).unwrap_or("");
    let cell = |at: Option<usize>| at.map(get).unwrap_or("");
    let first = |ats: &[usize]| {
        ats.iter()
            .map(|i| get(*i).trim())
            .find(|c| !c.is_empty())
            .unwrap_or("")
    };
    let title = book::title(cell(layout.title)).map_err(|e| format!("title {e}"))?;
    let mut author = first(&layout.authors).to_string();
    if author.is_empty() {
        author = layout
            .name_parts
            .iter()
            .map(|i| row.get(*i).unwrap_or("").trim())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    let author = book::author(&author).map_err(|e| format!("author {e}"))?;
    let isbn_cells: Vec<&str> = layout
        .isbns
        .iter()
        .map(|i| unguard(row.get(*i).unwrap_or("")))
        .filter(|c| !c.is_empty())
        .collect();
    let mut note = None;
    let mut isbn = None;
    for raw in &isbn_cells {
        match Isbn13::parse(raw) {
            Ok(valid) => {
                isbn = Some(valid);
                break;
            }
            Err(e) if note.is_none() => {
                note = Some(format!("isbn {} {e}; imported without an ISBN", shown(raw)));
            }
            Err(_) => {}
        }
    }
    if isbn.is_some() {
        note = None;
    }
    let year_cell = first(&layout.years);
    let published_year = if year_cell.is_empty() {
        None
    } else {
        Some(leading_year(year_cell)?)
    };
    let tags = match layout.tags.map(get) {
        Some(text) if !text.trim().is_empty() => {
            Some(book::tags_from_text(text).map_err(|e| format!("tags {e}"))?)
        }
        _ => None,
    };
    let mut plain = Vec::new();
    for (field, at) in &layout.plain {
        let value = field
            .check(Raw::Text(get(*at)))
            .map_err(|e| format!("{} {e}", field.name))?;
        if value != FieldValue::Text(None) && value != FieldValue::Number(None) {
            plain.push((*field, value));
        }
    }
    let incoming = Incoming {
        origin: origin(layout, row)?,
        title,
        author,
        isbn,
        published_year,
        tags,
        copies: copies_cell(cell(layout.copies), layout.zero_copies_unknown)?,
        plain,
    };
    Ok((incoming, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_isbns_and_years() {
        assert_eq!(unguard("=\"0306406152\""), "0306406152");
        assert_eq!(unguard("=\"\""), "");
        assert_eq!(leading_year("2005-03-01"), Ok(2005));
        assert_eq!(leading_year("-800"), Ok(-800));
        assert!(leading_year("soon").is_err());
    }
}
