//! Request bodies. Every endpoint that takes fields accepts JSON, a URL-encoded form or
//! multipart/form-data; all three become one JSON object, which is then deserialised into
//! the endpoint's request type (`shape` says how). Uploaded files are kept apart, as bytes.

mod shape;

pub use shape::lenient_i64;

use rocket::data::{ByteUnit, Data, FromData, Outcome};
use rocket::http::ContentType;
use rocket::request::Request;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::{fail, AppError, FieldErrors};

/// An uploaded file part.
pub struct FilePart {
    pub field: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A request body, whatever its encoding.
#[derive(Default)]
pub struct Body {
    pub fields: Map<String, Value>,
    pub files: Vec<FilePart>,
    /// A form or multipart body, where every value is text (so "7" may be a number).
    pub text_only: bool,
}

const DEFAULT_JSON_LIMIT: ByteUnit = ByteUnit::Kibibyte(64);
const DEFAULT_FORM_LIMIT: ByteUnit = ByteUnit::Kibibyte(64);
const DEFAULT_MULTIPART_LIMIT: ByteUnit = ByteUnit::Mebibyte(3);

impl Body {
    pub async fn read(req: &Request<'_>, data: Data<'_>) -> Result<Body, AppError> {
        let limits = req.limits();
        match req.content_type() {
            Some(ct) if ct.is_form_data() => {
                let limit = limits.get("data-form").unwrap_or(DEFAULT_MULTIPART_LIMIT);
                read_multipart(ct, data, limit).await
            }
            Some(ct) if ct.is_form() => {
                let limit = limits.get("form").unwrap_or(DEFAULT_FORM_LIMIT);
                let bytes = read_capped(data, limit).await?;
                let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                    .map_err(|_| AppError::invalid("body", "is not a valid URL-encoded form"))?;
                let mut body = Body {
                    text_only: true,
                    ..Body::default()
                };
                for (name, value) in pairs {
                    body.add_field(name, value);
                }
                Ok(body)
            }
            Some(ct) if ct.is_json() || ct.media_type().sub().as_str().ends_with("+json") => {
                read_json(req, data).await
            }
            // No declared type: an empty body is "no fields", anything else is read as JSON
            // (what curl -d sends without -H is a form, and says so).
            None => read_json(req, data).await,
            Some(_) => Err(AppError::Unsupported),
        }
    }

    /// Repeated form fields (`tags=a&tags=b`) become an array.
    fn add_field(&mut self, name: String, value: String) {
        match self.fields.get_mut(&name) {
            None => {
                self.fields.insert(name, Value::String(value));
            }
            Some(Value::Array(values)) => values.push(Value::String(value)),
            Some(first) => {
                let first = first.take();
                self.fields
                    .insert(name, Value::Array(vec![first, Value::String(value)]));
            }
        }
    }

    /// Deserialises the fields into `T`, naming the field of any problem.
    pub fn parse<T: DeserializeOwned + ToSchema>(&self) -> Result<T, AppError> {
        shape::parse(&self.fields, self.text_only)
    }

    /// Removes and returns the file sent as `field`; 400 if there is none, naming the
    /// field expected and, when a file came under another name, that name.
    pub fn take_file(&mut self, field: &str) -> Result<FilePart, AppError> {
        if let Some(at) = self.files.iter().position(|f| f.field == field) {
            return Ok(self.files.swap_remove(at));
        }
        let mut problem = format!("a file is required, sent as the multipart field `{field}`");
        if let Some(other) = self.files.first() {
            problem.push_str(&format!(" (the file came as `{}`)", other.field));
        }
        Err(AppError::invalid(field, problem))
    }

    /// The file sent as `field`, when it is all the body holds: any other field or file is
    /// a 400 naming it, as an unknown field is in every other body.
    pub fn file_alone(mut self, field: &str) -> Result<FilePart, AppError> {
        let file = self.take_file(field)?;
        self.refuse_files()?;
        match self.fields.keys().next() {
            Some(other) => Err(unknown_field(other)),
            None => Ok(file),
        }
    }

    /// Bodies of fields carry no files: a file part is a field the request does not know.
    fn refuse_files(&self) -> Result<(), AppError> {
        match self.files.first() {
            Some(file) => Err(unknown_field(&file.field)),
            None => Ok(()),
        }
    }
}

/// What a field the request does not take is told.
const NOT_A_FIELD: &str = "is not a field of this request";

fn unknown_field(name: &str) -> AppError {
    AppError::invalid(name, NOT_A_FIELD)
}

async fn read_capped(data: Data<'_>, limit: ByteUnit) -> Result<Vec<u8>, AppError> {
    let capped = data.open(limit).into_bytes().await?;
    if !capped.is_complete() {
        return Err(AppError::TooLarge);
    }
    Ok(capped.into_inner())
}

async fn read_json(req: &Request<'_>, data: Data<'_>) -> Result<Body, AppError> {
    let limit = req.limits().get("json").unwrap_or(DEFAULT_JSON_LIMIT);
    let bytes = read_capped(data, limit).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::default());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(fields)) => Ok(Body {
            fields,
            files: Vec::new(),
            text_only: false,
        }),
        Ok(_) => Err(AppError::invalid("body", "must be a JSON object")),
        Err(e) => Err(AppError::invalid("body", not_json(&e))),
    }
}

/// Where the client's JSON went wrong, in our words (serde's are written for programmers).
fn not_json(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "it ends early",
        _ => "a syntax error",
    };
    format!(
        "is not valid JSON ({what} at line {}, column {})",
        e.line(),
        e.column()
    )
}

async fn read_multipart(
    ct: &ContentType,
    data: Data<'_>,
    limit: ByteUnit,
) -> Result<Body, AppError> {
    let boundary = ct
        .params()
        .find(|(key, _)| key.as_str().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| AppError::invalid("body", "multipart body has no boundary"))?;
    let limit = limit.as_u64();
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limit)
            .per_field(limit),
    );
    // Read one byte past the limit so an oversize body is told apart from a truncated one.
    let reader = data.open(ByteUnit::Byte(limit + 1));
    let mut multipart =
        multer::Multipart::with_reader_with_constraints(reader, boundary, constraints);
    let mut body = Body {
        text_only: true,
        ..Body::default()
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e)),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if file_name.is_some() {
            body.files.push(FilePart {
                field: name,
                file_name,
                bytes: bytes.to_vec(),
            });
        } else {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| AppError::invalid(&name, "is not valid UTF-8"))?;
            body.add_field(name, text);
        }
    }
    Ok(body)
}

fn multipart_error(e: multer::Error) -> AppError {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            AppError::TooLarge
        }
        other => AppError::invalid("body", format!("is not valid multipart data ({other})")),
    }
}

/// For `#[serde(default, deserialize_with = "not_null")]` on an optional field that has
/// no null: left out is None, null (in JSON, or `null` in a form) is refused by name.
pub(crate) fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    match <Option<T> as serde::Deserialize>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("must not be null")),
    }
}

/// A request body deserialised into `T`.
pub struct Fields<T>(pub T);

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + ToSchema> FromData<'r> for Fields<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self> {
        let parsed = Body::read(req, data)
            .await
            .and_then(|body| body.refuse_files().and_then(|()| body.parse()));
        match parsed {
            Ok(value) => Outcome::Success(Fields(value)),
            Err(e) => fail(req, e),
        }
    }
}

/// The body of a route that takes no fields (return, renew, cancel, delete): an empty body,
/// `{}` or an empty form is fine, and any field is a 400 naming it, so that a client never
/// believes a field it sent (`{"days": 365}` on a renewal) was applied.
pub struct NoFields;

/// No fields: the body may be left out, or be an empty object or form.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[rocket::async_trait]
impl<'r> FromData<'r> for NoFields {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, mut data: Data<'r>) -> Outcome<'r, Self> {
        if data.peek(1).await.is_empty() {
            return Outcome::Success(NoFields);
        }
        let parsed = Body::read(req, data).await.and_then(|body| {
            body.refuse_files()?;
            body.parse::<Empty>()
        });
        match parsed {
            Ok(_) => Outcome::Success(NoFields),
            // Whatever the body is, the answer is the same: this request takes none.
            Err(AppError::Invalid(errors)) => fail(req, AppError::Invalid(errors)),
            Err(_) => fail(
                req,
                AppError::invalid("body", "this request takes no fields"),
            ),
        }
    }
}

/// A multipart body (uploads); any other encoding is a 415.
pub struct Multipart(pub Body);

#[rocket::async_trait]
impl<'r> FromData<'r> for Multipart {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self> {
        if !req.content_type().is_some_and(|ct| ct.is_form_data()) {
            return fail(req, AppError::Unsupported);
        }
        match Body::read(req, data).await {
            Ok(body) => Outcome::Success(Multipart(body)),
            Err(e) => fail(req, e),
        }
    }
}

/// Collects field problems so that a client hears about all of them at once.
#[derive(Default)]
pub struct Problems(FieldErrors);

impl Problems {
    /// Runs `parse` on a required field, noting "is required" when it is absent.
    pub fn required<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match raw {
            None => {
                self.0.insert(field.into(), "is required".into());
                None
            }
            Some(raw) => self.check(field, parse(raw)),
        }
    }

    /// Keeps the value or notes the problem.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.0.insert(field.into(), problem);
                None
            }
        }
    }

    pub fn note(&mut self, field: &str, problem: impl Into<String>) {
        self.0.insert(field.into(), problem.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_error(self) -> AppError {
        AppError::Invalid(self.0)
    }
}

#[cfg(test)]
mod tests;
