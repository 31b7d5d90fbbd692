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
mod tests {
    use super::*;
    use serde::{Deserialize, Deserializer};
    use serde_json::json;

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: Option<String>,
        #[serde(default, deserialize_with = "lenient_i64")]
        count: Option<i64>,
    }

    /// Fields serde itself requires, with no help from `lenient_i64`.
    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        id: i64,
        label: String,
    }

    fn body(fields: Value) -> Body {
        match fields {
            Value::Object(fields) => Body {
                fields,
                files: Vec::new(),
                text_only: false,
            },
            _ => unreachable!(),
        }
    }

    fn form(fields: Value) -> Body {
        Body {
            text_only: true,
            ..body(fields)
        }
    }

    /// The field problems of a failed parse.
    fn problems<T: DeserializeOwned + ToSchema + std::fmt::Debug>(body: Body) -> FieldErrors {
        match body.parse::<T>() {
            Err(AppError::Invalid(errors)) => errors,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let errors = problems::<Sample>(body(json!({"name": 5})));
        assert_eq!(errors["name"], "must be a string");
        let errors = problems::<Strict>(body(json!({"id": 1, "label": ["x"]})));
        assert_eq!(errors["label"], "must be a string");
        let errors = problems::<Strict>(body(json!({"id": true, "label": "x"})));
        assert_eq!(errors["id"], "must be a whole number");
    }

    #[test]
    fn unknown_fields_are_named_every_one() {
        let errors = problems::<Sample>(body(json!({"name": "a", "nmae": "b", "cuont": 1})));
        assert_eq!(errors["nmae"], "is not a field of this request");
        assert_eq!(errors["cuont"], "is not a field of this request");
        assert_eq!(errors.len(), 2, "{errors:?}");
        let errors = problems::<Empty>(form(json!({"days": "365"})));
        assert_eq!(errors["days"], "is not a field of this request");
    }

    #[test]
    fn missing_fields_are_named() {
        let errors = problems::<Strict>(body(json!({"label": "x"})));
        assert_eq!(errors["id"], "is required");
        assert_eq!(errors.len(), 1);
        let errors = problems::<Strict>(body(json!({})));
        assert_eq!(errors["id"], "is required");
        assert_eq!(errors["label"], "is required");
    }

    #[test]
    fn numbers_come_as_numbers_or_text() {
        let sample: Sample = form(json!({"count": "7"})).parse().unwrap();
        assert_eq!(sample.count, Some(7));
        let sample: Sample = form(json!({"count": "null"})).parse().unwrap();
        assert_eq!(sample.count, None);
        let sample: Sample = form(json!({"count": ""})).parse().unwrap();
        assert_eq!(sample.count, None);
        assert_eq!(
            problems::<Sample>(form(json!({"count": "x"})))["count"],
            "must be a whole number"
        );
        // In JSON a number written as a string is a type error.
        assert_eq!(
            problems::<Sample>(body(json!({"count": "7"})))["count"],
            "must be a whole number, not text"
        );
        let sample: Sample = body(json!({"count": 8})).parse().unwrap();
        assert_eq!(sample.count, Some(8));
        // 878.0 is an integer to JSON Schema, and so to the server.
        let sample: Sample = body(json!({"count": 878.0})).parse().unwrap();
        assert_eq!(sample.count, Some(878));
        assert!(body(json!({"count": "x"})).parse::<Sample>().is_err());
        assert!(body(json!({"count": 1.5})).parse::<Sample>().is_err());
        assert_eq!(body(json!({})).parse::<Sample>().unwrap().name, None);
    }

    #[test]
    fn text_numbers_fill_plain_integer_fields_only_in_forms() {
        let strict: Strict = form(json!({"id": "12", "label": "x"})).parse().unwrap();
        assert_eq!((strict.id, strict.label.as_str()), (12, "x"));
        let errors = problems::<Strict>(body(json!({"id": "12", "label": "x"})));
        assert_eq!(errors["id"], "must be a whole number, not text");
        // Only where the schema asks for a number: text fields keep their digits as text.
        let sample: Sample = form(json!({"name": "42"})).parse().unwrap();
        assert_eq!(sample.name.as_deref(), Some("42"));
    }

    /// Parses a JSON body in the middle of deserialising another one, on the same thread.
    fn parse_json_meanwhile<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let text = String::deserialize(d)?;
        let inner = body(json!({"count": "7"})).parse::<Sample>();
        assert!(inner.is_err(), "in JSON, text is not a number: {inner:?}");
        Ok(text)
    }

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[serde(deserialize_with = "parse_json_meanwhile")]
        first: String,
        #[serde(default, deserialize_with = "lenient_i64")]
        count: Option<i64>,
    }

    #[test]
    fn bodies_parsed_at_once_on_one_thread_do_not_meet() {
        // A per-thread "text may be a number" flag was once set by the outer (form) parse
        // and cleared by the inner (JSON) one, so the outer form's "7" was then refused.
        let outer: Outer = form(json!({"first": "x", "count": "7"})).parse().unwrap();
        assert_eq!((outer.first.as_str(), outer.count), ("x", Some(7)));
        let outer: Outer = body(json!({"first": "x", "count": 7})).parse().unwrap();
        assert_eq!(outer.count, Some(7));
    }

    #[test]
    fn repeated_form_fields_become_arrays() {
        let mut b = Body::default();
        b.add_field("tags".into(), "a".into());
        b.add_field("tags".into(), "b".into());
        assert_eq!(b.fields["tags"], json!(["a", "b"]));
    }
}
