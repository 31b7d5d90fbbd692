//! The rules a book's fields obey, shared by the HTTP API and the CSV importer so that an
//! imported book could equally have been typed in, and `FIELDS`: the one description of
//! those fields that the database columns, the CSV columns, the JSON object and its
//! OpenAPI schema are all built from.

use super::Isbn13;

pub const MAX_TITLE: usize = 500;
pub const MAX_SUBTITLE: usize = 500;
pub const MAX_AUTHOR: usize = 500;
pub const MAX_SERIES: usize = 500;
pub const MAX_PUBLISHER: usize = 200;
pub const MAX_LANGUAGE: usize = 50;
pub const MAX_DESCRIPTION: usize = 10_000;
/// What a client may send for an ISBN, hyphens and spaces included.
pub const MAX_ISBN_TEXT: usize = 40;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG: usize = 50;
/// Copies set at once through `copies` (each is an item with its own barcode); a title
/// with more gets them added one by one.
pub const MAX_COPIES: i64 = 10_000;
pub const MIN_YEAR: i64 = -3000;
/// A fixed bound rather than "this year + n", so the published contract does not drift.
pub const MAX_YEAR: i64 = 2100;
/// A book's place in its series: a whole number, so lists sort by it ("3a" is not one).
pub const MAX_SERIES_NUMBER: i64 = 10_000;

mod field;

pub use field::{Field, FieldType, FieldValue, Kind, Raw};

/// Declares `BookData` and `FIELDS` from one list, so that neither can have a field the
/// other lacks.
macro_rules! book_fields {
    ($($(#[doc = $doc:literal])* $name:ident: $ty:ty = $kind:expr;)*) => {
        /// Everything a client may set on a book, already checked.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct BookData {
            $($(#[doc = $doc])* pub $name: $ty,)*
        }

        /// Every field of `BookData`, in the order the book object and the CSV file show
        /// them.
        pub const FIELDS: &[Field] = &[$(Field {
            name: stringify!($name),
            kind: $kind,
            doc: concat!($($doc, "\n",)* ""),
            get: |data| FieldType::to_value(&data.$name),
            set: |data, value| match FieldType::from_value(value) {
                Some(value) => {
                    data.$name = value;
                    true
                }
                None => false,
            },
        },)*];

        /// The names of `FIELDS`, for serde's "expected one of" messages.
        pub const FIELD_NAMES: &[&str] = &[$(stringify!($name),)*];

        impl BookData {
            /// A book built field by field from what `value` gives for each; Err is the
            /// first problem, or a value of the wrong kind (a bug in the caller).
            pub fn build(
                mut value: impl FnMut(&'static Field) -> Result<FieldValue, String>,
            ) -> Result<BookData, String> {
                Ok(BookData {
                    $($name: {
                        let field = field(stringify!($name)).ok_or("no such field")?;
                        FieldType::from_value(value(field)?)
                            .ok_or_else(|| format!("{} was given a value of another kind", field.name))?
                    },)*
                })
            }
        }
    };
}

book_fields! {
    title: String = Kind::Text { max: MAX_TITLE, required: true };
    author: String = Kind::Text { max: MAX_AUTHOR, required: true };
    subtitle: Option<String> = Kind::Text { max: MAX_SUBTITLE, required: false };
    /// The series the book belongs to, as its name.
    series: Option<String> = Kind::Text { max: MAX_SERIES, required: false };
    /// The book's place in its series: a whole number from 1.
    series_number: Option<i64> = Kind::Number {
        min: 1, max: MAX_SERIES_NUMBER, what: "a whole number", default: None
    };
    /// ISBN-10 or ISBN-13; hyphens and spaces are ignored, the check digit is verified,
    /// and it is stored as ISBN-13. Blank means none.
    isbn: Option<Isbn13> = Kind::Isbn;
    publisher: Option<String> = Kind::Text { max: MAX_PUBLISHER, required: false };
    /// Negative years are BCE.
    published_year: Option<i64> = Kind::Number {
        min: MIN_YEAR, max: MAX_YEAR, what: "a year", default: None
    };
    language: Option<String> = Kind::Text { max: MAX_LANGUAGE, required: false };
    description: Option<String> = Kind::Text { max: MAX_DESCRIPTION, required: false };
    /// A list of tags (a form may send one comma-separated text instead).
    tags: Vec<String> = Kind::Tags;
    copies: i64 = Kind::Number {
        min: 0, max: MAX_COPIES, what: "a whole number", default: Some(1)
    };
}

/// The field called `name`. Only for names written in the code; None is a bug there.
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Measured as sent, before the padding is trimmed, so the limit is the one the API
/// documents for what a client sends.
fn bounded(raw: &str, max: usize) -> Result<String, String> {
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let value = raw.trim();
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_string())
}

fn required_text(raw: &str, max: usize) -> Result<String, String> {
    let value = bounded(raw, max)?;
    if value.is_empty() {
        return Err("is required".into());
    }
    Ok(value)
}

pub fn title(raw: &str) -> Result<String, String> {
    required_text(raw, MAX_TITLE)
}

pub fn author(raw: &str) -> Result<String, String> {
    required_text(raw, MAX_AUTHOR)
}

/// Optional text: blank means "none".
pub fn optional(raw: &str, max: usize) -> Result<Option<String>, String> {
    let value = bounded(raw, max)?;
    Ok((!value.is_empty()).then_some(value))
}

pub fn publisher(raw: &str) -> Result<Option<String>, String> {
    optional(raw, MAX_PUBLISHER)
}

pub fn language(raw: &str) -> Result<Option<String>, String> {
    optional(raw, MAX_LANGUAGE)
}

pub fn description(raw: &str) -> Result<Option<String>, String> {
    // Descriptions are prose: keep their inner line breaks, drop the padding.
    optional(raw, MAX_DESCRIPTION)
}

/// Blank means "none"; otherwise the ISBN must verify.
pub fn isbn(raw: &str) -> Result<Option<Isbn13>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Isbn13::parse(raw).map(Some)
}

/// From antiquity (negative years are BCE) to announced titles.
pub fn published_year(year: i64) -> Result<i64, String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(format!("must be a year from {MIN_YEAR} to {MAX_YEAR}"))
    }
}

pub fn copies(copies: i64) -> Result<i64, String> {
    if (0..=MAX_COPIES).contains(&copies) {
        Ok(copies)
    } else {
        Err(format!("must be a whole number from 0 to {MAX_COPIES}"))
    }
}

/// Tags are trimmed, blank ones dropped, repeats (in any letter case) kept once. A comma
/// cannot be part of a tag, because forms and CSV files send tags comma-separated.
pub fn tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.contains(',') {
            return Err("a tag cannot contain a comma".into());
        }
        let tag = bounded(tag, MAX_TAG).map_err(|e| format!("each tag {e}"))?;
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("must be at most {MAX_TAGS} tags"));
    }
    Ok(tags)
}

/// Tags written as one comma-separated text.
pub fn tags_from_text(raw: &str) -> Result<Vec<String>, String> {
    tags(raw.split(','))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_required_and_bounded() {
        assert_eq!(title("  Dune ").unwrap(), "Dune");
        assert!(title("   ").is_err());
        assert!(title(&"x".repeat(MAX_TITLE + 1)).is_err());
        assert!(title(&"é".repeat(MAX_TITLE)).is_ok());
        assert!(title("a\u{0}b").is_err());
    }

    #[test]
    fn tags_are_cleaned() {
        assert_eq!(
            tags_from_text(" sf, Classic ,,SF ,classic").unwrap(),
            vec!["sf", "Classic"]
        );
        assert!(tags(["a,b"]).is_err());
        assert!(tags([&"t".repeat(MAX_TAG + 1) as &str]).is_err());
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert!(tags(many.iter().map(String::as_str)).is_err());
    }

    #[test]
    fn each_field_checks_by_its_kind() {
        let series_number = field("series_number").unwrap();
        assert_eq!(
            series_number.check(Raw::Text(" 3 ")),
            Ok(FieldValue::Number(Some(3)))
        );
        assert_eq!(
            series_number.check(Raw::Text("")),
            Ok(FieldValue::Number(None))
        );
        assert!(series_number.check(Raw::Number(0)).is_err());
        assert!(series_number
            .check(Raw::Number(MAX_SERIES_NUMBER + 1))
            .is_err());
        assert!(series_number.check(Raw::Text("3a")).is_err());
        let copies = field("copies").unwrap();
        assert_eq!(copies.absent(), Ok(FieldValue::Number(Some(1))));
        assert_eq!(field("title").unwrap().absent(), Err("is required".into()));
        let subtitle = field("subtitle").unwrap();
        assert_eq!(subtitle.check(Raw::Text("  ")), Ok(FieldValue::Text(None)));
        assert!(subtitle
            .check(Raw::Text(&"x".repeat(MAX_SUBTITLE + 1)))
            .is_err());
    }

    #[test]
    fn numbers_have_ranges() {
        assert!(copies(-1).is_err());
        assert!(copies(0).is_ok());
        assert!(published_year(1965).is_ok());
        assert!(published_year(-800).is_ok());
        assert!(published_year(99_999).is_err());
    }
}
