//! Books over the wire.

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::input::{lenient_i64, Problems};
use super::HttpDate;
use crate::domain::book::{self, BookData, Field, FieldValue, Kind, Raw, FIELDS};
use crate::error::AppError;
use crate::models::book::{Book, Search, SearchText, SortKey, MAX_DEPTH};
use crate::models::Page;
use crate::views::paging;
use crate::views::query::QueryParams;

mod schema;

pub use schema::Tag;

/// A book as the API shows it: the id, every field of `FIELDS`, then what the server keeps;
/// in a listing also the shelves its free copies stand on.
#[derive(Debug)]
pub struct BookView(Book, Option<Vec<String>>);

impl From<Book> for BookView {
    fn from(book: Book) -> BookView {
        BookView(book, None)
    }
}

impl BookView {
    pub fn with_shelves(book: Book, shelves: Vec<String>) -> BookView {
        BookView(book, Some(shelves))
    }
}

fn json(value: FieldValue) -> Value {
    match value {
        FieldValue::Text(text) => text.map_or(Value::Null, Value::String),
        FieldValue::Number(number) => number.map_or(Value::Null, Value::from),
        FieldValue::Isbn(isbn) => isbn.map_or(Value::Null, |i| Value::String(i.to_string())),
        FieldValue::Tags(tags) => Value::from(tags),
    }
}

impl Serialize for BookView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let book = &self.0;
        let mut map = serializer.serialize_map(Some(FIELDS.len() + 5))?;
        map.serialize_entry("id", &book.id)?;
        for field in FIELDS {
            map.serialize_entry(field.name, &json((field.get)(&book.data)))?;
        }
        map.serialize_entry("available", &book.available)?;
        map.serialize_entry("cover_file", &book.cover_file)?;
        map.serialize_entry("created_at", &HttpDate(book.created_at))?;
        map.serialize_entry("modified_at", &HttpDate(book.modified_at))?;
        if let Some(shelves) = &self.1 {
            map.serialize_entry("shelves", shelves)?;
        }
        map.end()
    }
}

/// What a body says of one field, before the field's rule has run.
#[derive(Debug)]
enum Given {
    Null,
    Text(String),
    Number(i64),
    /// Tags: a list of texts, or one comma-separated text.
    Json(Value),
}

/// A book body's fields, each read as its kind wants (numbers may come as text from a
/// form). A name that is not a book field is refused, naming it.
#[derive(Debug)]
struct GivenFields(Vec<(&'static Field, Given)>);

/// `lenient_i64` as a seed, for reading one map value with it.
struct WholeNumber;

impl<'de> DeserializeSeed<'de> for WholeNumber {
    type Value = Option<i64>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<i64>, D::Error> {
        lenient_i64(deserializer)
    }
}

impl<'de> Deserialize<'de> for GivenFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GivenFields, D::Error> {
        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = GivenFields;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a book's fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GivenFields, A::Error> {
                let mut given = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let field = book::field(&name)
                        .ok_or_else(|| de::Error::unknown_field(&name, book::FIELD_NAMES))?;
                    let value = match field.kind {
                        Kind::Text { .. } | Kind::Isbn => map
                            .next_value::<Option<String>>()?
                            .map_or(Given::Null, Given::Text),
                        Kind::Number { .. } => map
                            .next_value_seed(WholeNumber)?
                            .map_or(Given::Null, Given::Number),
                        Kind::Tags => match map.next_value::<Value>()? {
                            Value::Null => Given::Null,
                            value => Given::Json(value),
                        },
                    };
                    given.push((field, value));
                }
                Ok(GivenFields(given))
            }
        }

        deserializer.deserialize_map(Fields)
    }
}

/// What `given` says for `field`, through the field's rule.
fn check(field: &Field, given: &Given) -> Result<FieldValue, String> {
    match given {
        Given::Null => field.absent(),
        Given::Text(text) => field.check(Raw::Text(text)),
        Given::Number(number) => field.check(Raw::Number(*number)),
        // Tags as a JSON array of strings, or as one comma-separated text (what a form
        // sends; a form repeating `tags` sends several).
        Given::Json(Value::String(text)) => field.check(Raw::Text(text)),
        Given::Json(Value::Array(items)) => {
            let texts = items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<&str>>>()
                .ok_or("must be a list of texts")?;
            field.check(Raw::List(&texts))
        }
        Given::Json(_) => Err("must be a list of texts or comma-separated text".into()),
    }
}

fn wrong_kind(problem: String) -> AppError {
    AppError::Internal(format!("book fields: {problem}"))
}

/// POST /books.
#[derive(Debug, Deserialize)]
pub struct BookRequest(GivenFields);

impl BookRequest {
    /// The new book's fields; every problem is named at once.
    pub fn validate(self) -> Result<BookData, AppError> {
        let mut problems = Problems::default();
        let mut values = Vec::with_capacity(FIELDS.len());
        for field in FIELDS {
            let given = self.0 .0.iter().find(|(f, _)| f.name == field.name);
            let result = match given {
                Some((_, given)) => check(field, given),
                None => field.absent(),
            };
            values.push(problems.check(field.name, result));
        }
        if !problems.is_empty() {
            return Err(problems.into_error());
        }
        let mut values = values.into_iter().flatten();
        BookData::build(|field| {
            values
                .next()
                .ok_or_else(|| format!("no value for {}", field.name))
        })
        .map_err(wrong_kind)
    }
}

/// PATCH /books/{id}: absent fields stay; null (or blank text) clears an optional one.
/// At least one field must be named.
#[derive(Debug, Deserialize)]
pub struct BookPatch(GivenFields);

impl BookPatch {
    /// `current` with this patch applied, every changed field checked. A patch naming no
    /// field is a mistake worth telling the client about, not a silent success.
    pub fn apply(self, mut current: BookData) -> Result<BookData, AppError> {
        // Null cannot clear a field that always holds a value: it leaves it as it is.
        let changes: Vec<_> = self
            .0
             .0
            .into_iter()
            .filter(|(field, given)| field.optional() || !matches!(given, Given::Null))
            .collect();
        if changes.is_empty() {
            return Err(AppError::invalid("body", "names no field to change"));
        }
        let mut problems = Problems::default();
        for (field, given) in changes {
            if let Some(value) = problems.check(field.name, check(field, &given)) {
                if !field.set(&mut current, value) {
                    return Err(wrong_kind(format!("{} got another kind", field.name)));
                }
            }
        }
        if problems.is_empty() {
            Ok(current)
        } else {
            Err(problems.into_error())
        }
    }
}

/// GET /books query parameters, as sent.
#[derive(Debug, Default)]
pub struct BookQuery {
    pub q: Option<String>,
    pub author: Option<String>,
    pub tag: Option<String>,
    pub language: Option<String>,
    pub available: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Longest search text or filter; far more than anyone types, short enough to keep
/// queries cheap.
pub const MAX_QUERY: usize = 500;

fn filter_text(problems: &mut Problems, field: &str, raw: Option<String>) -> Option<String> {
    let raw = raw?;
    if raw.chars().count() > MAX_QUERY {
        problems.note(field, format!("must be at most {MAX_QUERY} characters"));
        return None;
    }
    Some(raw.trim().to_string()).filter(|v| !v.is_empty())
}

impl BookQuery {
    /// The parameters from the query string (each at most once).
    pub fn from_params(params: &QueryParams) -> Result<BookQuery, AppError> {
        let text = |name: &str| Ok::<_, AppError>(params.get(name)?.map(str::to_string));
        Ok(BookQuery {
            q: text("q")?,
            author: text("author")?,
            tag: text("tag")?,
            language: text("language")?,
            available: text("available")?,
            sort: text("sort")?,
            order: text("order")?,
            page: text("page")?,
            per_page: text("per_page")?,
        })
    }

    /// The search and page asked for; every bad parameter is named at once.
    pub fn validate(self) -> Result<(Search, Page), AppError> {
        let mut problems = Problems::default();
        let page = match paging::parse(self.page.as_deref(), self.per_page.as_deref()) {
            Ok(page) => Some(page),
            Err(AppError::Invalid(errors)) => {
                for (field, problem) in errors {
                    problems.note(&field, problem);
                }
                None
            }
            Err(e) => return Err(e),
        };
        let text = filter_text(&mut problems, "q", self.q).map(|q| SearchText::from_query(&q));
        let author = filter_text(&mut problems, "author", self.author);
        let tag = filter_text(&mut problems, "tag", self.tag);
        let language = filter_text(&mut problems, "language", self.language);
        let available_only = match self.available.as_deref() {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                problems.note("available", "must be true or false");
                false
            }
        };
        let sort = match self.sort.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let key = SortKey::parse(raw);
                if key.is_none() {
                    problems.note(
                        "sort",
                        "must be one of title, author, published_year, created_at",
                    );
                }
                key
            }
        };
        let descending = match self.order.as_deref() {
            None | Some("") | Some("asc") => false,
            Some("desc") => true,
            Some(_) => {
                problems.note("order", "must be asc or desc");
                false
            }
        };
        if let Some(page) = page.filter(|p| p.offset() + p.limit() > MAX_DEPTH) {
            problems.note(
                "page",
                format!(
                    "the catalogue is paged no further than its first {MAX_DEPTH} books \
                     (page {} is the last at per_page={}); narrow the search or sort the \
                     other way",
                    MAX_DEPTH / page.limit(),
                    page.per_page
                ),
            );
        }
        match page {
            Some(page) if problems.is_empty() => Ok((
                Search {
                    text,
                    author,
                    tag,
                    language,
                    available_only,
                    sort,
                    descending,
                },
                page,
            )),
            _ => Err(problems.into_error()),
        }
    }
}
