//! The three CSV formats import reads: which columns each has, and how one row becomes
//! a book's fields.

use crate::domain::book::{self, BookData, Field, FieldValue, Raw, FIELDS};
use crate::domain::Isbn13;
use crate::error::{ApiResult, AppError};
use crate::services::csv_format;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Project,
    Goodreads,
    Libib,
}

const GOODREADS: &[&str] = &[
    "Book Id",
    "Title",
    "Author",
    "Author l-f",
    "Additional Authors",
    "ISBN",
    "ISBN13",
    "My Rating",
    "Average Rating",
    "Publisher",
    "Binding",
    "Number of Pages",
    "Year Published",
    "Original Publication Year",
    "Date Read",
    "Date Added",
    "Bookshelves",
    "Bookshelves with positions",
    "Exclusive Shelf",
    "My Review",
    "Spoiler",
    "Private Notes",
    "Read Count",
    "Owned Copies",
];

const LIBIB: &[&str] = &[
    "title",
    "creators",
    "first_name",
    "last_name",
    "ean_isbn13",
    "upc_isbn10",
    "description",
    "publisher",
    "publish_date",
    "group",
    "tags",
    "notes",
    "price",
    "length",
    "number_of_discs",
    "number_of_players",
    "age_group",
    "ensemble",
    "aspect_ratio",
    "esrb",
    "rating",
    "review",
    "review_date",
    "status",
    "began",
    "completed",
    "added",
    "copies",
];

impl Format {
    fn known(self) -> &'static [&'static str] {
        match self {
            Format::Project => csv_format::HEADERS.as_slice(),
            Format::Goodreads => GOODREADS,
            Format::Libib => LIBIB,
        }
    }

    /// Columns a file must have to be taken for this format.
    fn required(self) -> &'static [&'static str] {
        match self {
            Format::Project => &["title", "author"],
            Format::Goodreads => &["Title", "Author", "ISBN13"],
            Format::Libib => &["title", "creators", "ean_isbn13"],
        }
    }

    /// The format whose columns these are: all of its required ones, none it does not know.
    pub fn detect(headers: &[String]) -> Option<Format> {
        let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
        [Format::Project, Format::Goodreads, Format::Libib]
            .into_iter()
            .find(|format| {
                format.required().iter().all(|name| has(name))
                    && headers
                        .iter()
                        .all(|h| format.known().iter().any(|k| k.eq_ignore_ascii_case(h)))
            })
    }
}

/// Where each field of interest sits in a row of a given format.
pub(super) struct Layout {
    title: Option<usize>,
    /// Tried in order; the first non-blank wins.
    authors: Vec<usize>,
    /// Joined with a space when `authors` are all blank (Libib's name columns).
    name_parts: Vec<usize>,
    isbns: Vec<usize>,
    years: Vec<usize>,
    tags: Option<usize>,
    copies: Option<usize>,
    /// Goodreads writes 0 owned copies for every book nobody counted: 0 means "not given".
    zero_copies_unknown: bool,
    /// Our export defuses spreadsheet formulas with apostrophes (see csv_format).
    formula_guarded: bool,
    /// Our export's `id` and `instance_id` (which database those ids belong to).
    id: Option<usize>,
    instance: Option<usize>,
    /// Fields whose column holds just the field, read by the field's own rule.
    plain: Vec<(&'static Field, usize)>,
}

/// Fields read by rules of their own (several columns, years in dates, Goodreads' zero
/// copies, ISBNs that may fail without losing the row); every other field is plain.
const OWN_RULES: &[&str] = &[
    "title",
    "author",
    "isbn",
    "published_year",
    "tags",
    "copies",
];

impl Layout {
    pub(super) fn new(format: Format, headers: &[String]) -> Layout {
        let at = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let all = |names: &[&str]| names.iter().filter_map(|n| at(n)).collect::<Vec<_>>();
        // (field, column) pairs for the columns the file has.
        let plain = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .filter_map(|(name, column)| Some((book::field(name)?, at(column)?)))
                .collect::<Vec<_>>()
        };
        // Our own format names each column after its field.
        let own_columns: Vec<(&str, &str)> = FIELDS
            .iter()
            .filter(|f| !OWN_RULES.contains(&f.name))
            .map(|f| (f.name, f.name))
            .collect();
        match format {
            Format::Project => Layout {
                title: at("title"),
                authors: all(&["author"]),
                name_parts: Vec::new(),
                isbns: all(&["isbn"]),
                years: all(&["published_year"]),
                tags: at("tags"),
                copies: at("copies"),
                zero_copies_unknown: false,
                formula_guarded: true,
                id: at("id"),
                instance: at("instance_id"),
                plain: plain(&own_columns),
            },
            Format::Goodreads => Layout {
                title: at("Title"),
                authors: all(&["Author"]),
                name_parts: Vec::new(),
                isbns: all(&["ISBN13", "ISBN"]),
                years: all(&["Year Published", "Original Publication Year"]),
                tags: at("Bookshelves"),
                copies: at("Owned Copies"),
                zero_copies_unknown: true,
                formula_guarded: false,
                id: None,
                instance: None,
                plain: plain(&[("publisher", "Publisher")]),
            },
            Format::Libib => Layout {
                title: at("title"),
                authors: all(&["creators"]),
                name_parts: all(&["first_name", "last_name"]),
                isbns: all(&["ean_isbn13", "upc_isbn10"]),
                years: all(&["publish_date"]),
                tags: at("tags"),
                copies: at("copies"),
                zero_copies_unknown: false,
                formula_guarded: false,
                id: None,
                instance: None,
                plain: plain(&[("publisher", "publisher"), ("description", "description")]),
            },
        }
    }
}

/// Where a row of our own export came from: the database that wrote it and the book's id
/// there.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Origin {
    pub(super) instance: String,
    pub(super) id: i64,
}

/// A row's fields; None is "the row does not say".
#[derive(Debug)]
pub(super) struct Incoming {
    pub(super) origin: Option<Origin>,
    title: String,
    author: String,
    pub(super) isbn: Option<Isbn13>,
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

    pub(super) fn create(self) -> ApiResult<BookData> {
        BookData::build(|field| match self.says(field) {
            Some(value) => Ok(value),
            None => field.absent(),
        })
        .map_err(|e| AppError::Internal(format!("import: {e}")))
    }

    /// `data` with every field the row gives replaced.
    pub(super) fn update(self, mut data: BookData) -> ApiResult<BookData> {
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
pub(super) fn read_row(
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

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn formats_are_told_apart_by_their_headers() {
        assert_eq!(
            Format::detect(&headers(&csv_format::HEADERS)),
            Some(Format::Project)
        );
        assert_eq!(Format::detect(&headers(GOODREADS)), Some(Format::Goodreads));
        assert_eq!(Format::detect(&headers(LIBIB)), Some(Format::Libib));
        assert_eq!(
            Format::detect(&headers(&["title", "author", "colour"])),
            None
        );
        assert_eq!(Format::detect(&headers(&["name"])), None);
    }

    #[test]
    fn guarded_isbns_and_years() {
        assert_eq!(unguard("=\"0306406152\""), "0306406152");
        assert_eq!(unguard("=\"\""), "");
        assert_eq!(leading_year("2005-03-01"), Ok(2005));
        assert_eq!(leading_year("-800"), Ok(-800));
        assert!(leading_year("soon").is_err());
    }
}
