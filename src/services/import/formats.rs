//! The three CSV formats import reads: which columns each has, and where each field sits
//! in them. How a row is read is in `row`.

use crate::domain::book::{self, Field, FIELDS};
use crate::services::csv_format;

mod row;

pub(super) use row::{read_row, Incoming};

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
}
