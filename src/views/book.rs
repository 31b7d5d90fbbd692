//! Books over the wire.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::input::{lenient_i64, Problems};
use super::HttpDate;
use crate::domain::book::{self, BookData};
use crate::error::AppError;
use crate::models::book::{Book, Search, SearchText, SortKey};
use crate::models::Page;
use crate::views::paging;
use crate::views::query::QueryParams;

#[derive(Debug, Serialize, ToSchema)]
pub struct BookView {
    pub id: i64,
    pub title: String,
    pub author: String,
    pub isbn: Option<String>,
    pub publisher: Option<String>,
    pub published_year: Option<i64>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub copies: i64,
    pub available: i64,
    pub cover_file: Option<String>,
    pub created_at: HttpDate,
    pub modified_at: HttpDate,
}

impl From<Book> for BookView {
    fn from(book: Book) -> BookView {
        BookView {
            id: book.id,
            title: book.title,
            author: book.author,
            isbn: book.isbn,
            publisher: book.publisher,
            published_year: book.published_year,
            language: book.language,
            description: book.description,
            tags: book.tags,
            copies: book.copies,
            available: book.available,
            cover_file: book.cover_file,
            created_at: HttpDate(book.created_at),
            modified_at: HttpDate(book.modified_at),
        }
    }
}

/// Tags as a JSON array of strings, or as one comma-separated text (what a form sends;
/// a form repeating `tags` sends several).
fn parse_tags(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => book::tags_from_text(text),
        Value::Array(items) => {
            let texts = items
                .iter()
                .map(|item| item.as_str().ok_or("must be a list of texts"))
                .collect::<Result<Vec<&str>, &str>>()?;
            book::tags(texts)
        }
        _ => Err("must be a list of texts or comma-separated text".into()),
    }
}

/// A field that may be absent (keep), null (clear) or given (set) — PATCH needs all three.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

fn present_i64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i64>>, D::Error> {
    lenient_i64(deserializer).map(Some)
}

// Text patterns in the schema below state the server's rules: no control characters
// (line breaks and tabs aside), and for required text at least one non-space character.
/// A tag: no control characters, no comma (forms and CSV separate tags with commas).
const TAG: &str = r"^[^,\x00-\x08\x0B-\x1F\x7F-\x9F]*$";

/// One tag, as the schema states it: at most 50 characters, no comma, no control character.
pub struct Tag;

impl utoipa::PartialSchema for Tag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(book::MAX_TAG))
            .pattern(Some(TAG))
            .into()
    }
}

impl ToSchema for Tag {}

/// POST /books.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 500,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 500,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub author: Option<String>,
    /// ISBN-10 or ISBN-13; hyphens and spaces are ignored, the check digit is verified,
    /// and it is stored as ISBN-13. Blank means none.
    #[schema(format = "isbn", max_length = 40)]
    pub isbn: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub publisher: Option<String>,
    /// Negative years are BCE.
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = -3000, maximum = 2100)]
    pub published_year: Option<i64>,
    #[schema(max_length = 50, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub language: Option<String>,
    #[schema(max_length = 10000, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub description: Option<String>,
    /// A list of tags (a form may send one comma-separated text instead).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Tag>>, max_items = 50)]
    pub tags: Value,
    /// Default 1 (also when null).
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 0, maximum = 100000)]
    pub copies: Option<i64>,
}

impl BookRequest {
    pub fn validate(self) -> Result<BookData, AppError> {
        let mut problems = Problems::default();
        let title = problems.required("title", self.title.as_deref(), book::title);
        let author = problems.required("author", self.author.as_deref(), book::author);
        let text = |problems: &mut Problems,
                    field,
                    raw: Option<String>,
                    rule: fn(&str) -> Result<Option<String>, String>| {
            raw.and_then(|raw| problems.check(field, rule(&raw)).flatten())
        };
        let publisher = text(&mut problems, "publisher", self.publisher, book::publisher);
        let language = text(&mut problems, "language", self.language, book::language);
        let description = text(
            &mut problems,
            "description",
            self.description,
            book::description,
        );
        let isbn = self
            .isbn
            .and_then(|raw| problems.check("isbn", book::isbn(&raw)).flatten());
        let published_year = self
            .published_year
            .and_then(|year| problems.check("published_year", book::published_year(year)));
        let tags = problems.check("tags", parse_tags(&self.tags));
        let copies = problems.check("copies", book::copies(self.copies.unwrap_or(1)));
        match (title, author, tags, copies) {
            (Some(title), Some(author), Some(tags), Some(copies)) if problems.is_empty() => {
                Ok(BookData {
                    title,
                    author,
                    isbn,
                    publisher,
                    published_year,
                    language,
                    description,
                    tags,
                    copies,
                })
            }
            _ => Err(problems.into_error()),
        }
    }
}

/// PATCH /books/{id}: absent fields stay; null (or blank text) clears an optional one.
/// At least one field must be named.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct BookPatch {
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 500,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 500,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub author: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = "isbn", max_length = 40)]
    pub isbn: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub publisher: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_i64")]
    #[schema(value_type = Option<i64>, minimum = -3000, maximum = 2100)]
    pub published_year: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 50, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 10000, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub description: Option<Option<String>>,
    #[schema(value_type = Option<Vec<Tag>>, max_items = 50)]
    pub tags: Option<Value>,
    /// Not below the copies now on loan (409). Null: unchanged.
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 0, maximum = 100000)]
    pub copies: Option<i64>,
}

impl BookPatch {
    /// `current` with this patch applied, every changed field checked. A patch naming no
    /// field is a mistake worth telling the client about, not a silent success.
    pub fn apply(self, mut current: BookData) -> Result<BookData, AppError> {
        let names_nothing = self.title.is_none()
            && self.author.is_none()
            && self.isbn.is_none()
            && self.publisher.is_none()
            && self.published_year.is_none()
            && self.language.is_none()
            && self.description.is_none()
            && self.tags.is_none()
            && self.copies.is_none();
        if names_nothing {
            return Err(AppError::invalid("body", "names no field to change"));
        }
        let mut problems = Problems::default();
        if let Some(title) = self.title {
            if let Some(title) = problems.check("title", book::title(&title)) {
                current.title = title;
            }
        }
        if let Some(author) = self.author {
            if let Some(author) = problems.check("author", book::author(&author)) {
                current.author = author;
            }
        }
        let text = |problems: &mut Problems,
                    field,
                    patch: Option<Option<String>>,
                    rule: fn(&str) -> Result<Option<String>, String>,
                    into: &mut Option<String>| {
            if let Some(value) = patch {
                if let Some(value) = problems.check(field, rule(value.as_deref().unwrap_or(""))) {
                    *into = value;
                }
            }
        };
        text(
            &mut problems,
            "publisher",
            self.publisher,
            book::publisher,
            &mut current.publisher,
        );
        text(
            &mut problems,
            "language",
            self.language,
            book::language,
            &mut current.language,
        );
        text(
            &mut problems,
            "description",
            self.description,
            book::description,
            &mut current.description,
        );
        if let Some(isbn) = self.isbn {
            if let Some(isbn) = problems.check("isbn", book::isbn(isbn.as_deref().unwrap_or(""))) {
                current.isbn = isbn;
            }
        }
        match self.published_year {
            None => {}
            Some(None) => current.published_year = None,
            Some(Some(year)) => {
                if let Some(year) = problems.check("published_year", book::published_year(year)) {
                    current.published_year = Some(year);
                }
            }
        }
        if let Some(tags) = self.tags {
            if let Some(tags) = problems.check("tags", parse_tags(&tags)) {
                current.tags = tags;
            }
        }
        if let Some(copies) = self.copies {
            if let Some(copies) = problems.check("copies", book::copies(copies)) {
                current.copies = copies;
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
    pub available: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Longest search text or filter; far more than anyone types, short enough to keep
/// queries cheap.
const MAX_QUERY: usize = 500;

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
        match page {
            Some(page) if problems.is_empty() => Ok((
                Search {
                    text,
                    author,
                    tag,
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
