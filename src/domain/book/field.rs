//! The parts a book field is described with (see `FIELDS` in the parent module): its kind,
//! its value, and the rule each kind applies.

use super::{isbn, optional, required_text, tags, tags_from_text, BookData};
use crate::domain::Isbn13;

/// The kind of a book field: how it is checked, stored, written in CSV and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text of at most `max` characters. Required text may not be blank; blank optional
    /// text is "none".
    Text {
        max: usize,
        required: bool,
    },
    /// A whole number from `min` to `max` (`what` names it in messages: "a year"). A new
    /// book without one gets `default`.
    Number {
        min: i64,
        max: i64,
        what: &'static str,
        default: Option<i64>,
    },
    Isbn,
    Tags,
}

/// A field's value, whatever its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(Option<String>),
    Number(Option<i64>),
    Isbn(Option<Isbn13>),
    Tags(Vec<String>),
}

/// Input for a field before its rule has run.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    Text(&'a str),
    Number(i64),
    List(&'a [&'a str]),
}

/// One field of a book: its name (the database column, the CSV header and the JSON key
/// alike), its kind and how to read and write it in a `BookData`.
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// For the API documentation.
    pub doc: &'static str,
    pub get: fn(&BookData) -> FieldValue,
    pub(super) set: fn(&mut BookData, FieldValue) -> bool,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The Rust type of each field, paired with its `FieldValue`.
pub trait FieldType: Sized {
    fn to_value(&self) -> FieldValue;
    fn from_value(value: FieldValue) -> Option<Self>;
}

impl FieldType for String {
    fn to_value(&self) -> FieldValue {
        FieldValue::Text(Some(self.clone()))
    }
    fn from_value(value: FieldValue) -> Option<Self> {
        match value {
            FieldValue::Text(text) => text,
            _ => None,
        }
    }
}

impl FieldType for Option<String> {
    fn to_value(&self) -> FieldValue {
        FieldValue::Text(self.clone())
    }
    fn from_value(value: FieldValue) -> Option<Self> {
        match value {
            FieldValue::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl FieldType for i64 {
    fn to_value(&self) -> FieldValue {
        FieldValue::Number(Some(*self))
    }
    fn from_value(value: FieldValue) -> Option<Self> {
        match value {
            FieldValue::Number(number) => number,
            _ => None,
        }
    }
}

impl FieldType for Option<i64> {
    fn to_value(&self) -> FieldValue {
        FieldValue::Number(*self)
    }
    fn from_value(value: FieldValue) -> Option<Self> {
        match value {
            FieldValue::Number(number) => Some(number),
            _ => None,
        }
    }
}

impl FieldType for Option<Isbn13> {
    fn to_value(&self) -> FieldValue {
        FieldValue::Isbn(self.clone())
    }
    fn from_value(value: FieldValue) -> Option<Self> {
        match value {
            FieldValue::Isbn(isbn) => Some(isbn),
            _ => None,
        }
    }
}

impl FieldType for Vec<String> {
    fn to_value(&self) -> FieldValue {
        FieldValue::Tags(self.clone())
    }
    fn from_value(value: FieldValue) -> Option<Self> {
        match value {
            FieldValue::Tags(tags) => Some(tags),
            _ => None,
        }
    }
}

impl Field {
    /// `raw` through this field's rule.
    pub fn check(&self, raw: Raw) -> Result<FieldValue, String> {
        match (self.kind, raw) {
            (Kind::Text { max, required }, Raw::Text(text)) => {
                if required {
                    required_text(text, max).map(|t| FieldValue::Text(Some(t)))
                } else {
                    optional(text, max).map(FieldValue::Text)
                }
            }
            (Kind::Number { .. }, Raw::Text(text)) => {
                let text = text.trim();
                if text.is_empty() {
                    return self.check_number(None);
                }
                match text.parse() {
                    Ok(n) => self.check_number(Some(n)),
                    Err(_) => Err("must be a whole number".into()),
                }
            }
            (Kind::Number { .. }, Raw::Number(n)) => self.check_number(Some(n)),
            (Kind::Isbn, Raw::Text(text)) => isbn(text).map(FieldValue::Isbn),
            (Kind::Tags, Raw::Text(text)) => tags_from_text(text).map(FieldValue::Tags),
            (Kind::Tags, Raw::List(items)) => tags(items.iter().copied()).map(FieldValue::Tags),
            (Kind::Text { .. } | Kind::Isbn, _) => Err("must be text".into()),
            (Kind::Number { .. }, _) => Err("must be a whole number".into()),
            (Kind::Tags, _) => Err("must be a list of texts or comma-separated text".into()),
        }
    }

    fn check_number(&self, n: Option<i64>) -> Result<FieldValue, String> {
        match (self.kind, n) {
            (_, None) => self.absent(),
            (Kind::Number { min, max, what, .. }, Some(n)) => {
                if (min..=max).contains(&n) {
                    Ok(FieldValue::Number(Some(n)))
                } else {
                    Err(format!("must be {what} from {min} to {max}"))
                }
            }
            _ => Err("is not a number".into()),
        }
    }

    /// What a new book holds when this field is not given.
    pub fn absent(&self) -> Result<FieldValue, String> {
        match self.kind {
            Kind::Text { required: true, .. } => Err("is required".into()),
            Kind::Text { .. } => Ok(FieldValue::Text(None)),
            Kind::Number { default, .. } => Ok(FieldValue::Number(default)),
            Kind::Isbn => Ok(FieldValue::Isbn(None)),
            Kind::Tags => Ok(FieldValue::Tags(Vec::new())),
        }
    }

    /// Whether the field may hold no value (null in JSON, a blank CSV cell). Null in a
    /// change clears such a field; required text, a number with a default and the tag
    /// list keep theirs.
    pub fn optional(&self) -> bool {
        match self.kind {
            Kind::Text { required, .. } => !required,
            Kind::Number { default, .. } => default.is_none(),
            Kind::Isbn => true,
            Kind::Tags => false,
        }
    }

    /// Writes `value` into `data`; false when the value is of another kind.
    pub fn set(&self, data: &mut BookData, value: FieldValue) -> bool {
        (self.set)(data, value)
    }
}
