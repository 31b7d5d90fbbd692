//! One error type for the whole server, and the single place that turns it into the
//! API's error envelope. Internal details are logged here and never sent. Guards that fail
//! (auth, bodies, query strings) leave their `AppError` here for the catchers.

use std::collections::BTreeMap;
use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;

/// Field name → what is wrong with it.
pub type FieldErrors = BTreeMap<String, String>;

pub type ApiResult<T> = Result<T, AppError>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("bad request")]
    Invalid(FieldErrors),
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict(FieldErrors),
    /// A circulation refusal: a stable code for pages to word, and an English sentence.
    #[error("refused: {}", .0.code)]
    Refused(Box<Refusal>),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    Unsupported,
    #[error("too many requests")]
    TooMany { retry_after: u64 },
    /// The database's queues are full: the server is overloaded, not broken.
    #[error("service unavailable: {0}")]
    Busy(&'static str),
    #[error("internal error: {0}")]
    Internal(String),
    /// A status whose message is not its reason phrase but the original Flask server's
    /// own words ("OTP not match"), which its clients match on.
    #[error("{1}")]
    Worded(Status, &'static str),
}

impl AppError {
    /// A 400 naming one field.
    pub fn invalid(field: &str, problem: impl Into<String>) -> Self {
        AppError::Invalid(one(field, problem))
    }

    /// A 409 naming one field.
    pub fn conflict(field: &str, problem: impl Into<String>) -> Self {
        AppError::Conflict(one(field, problem))
    }

    pub fn status(&self) -> Status {
        match self {
            AppError::Invalid(_) => Status::BadRequest,
            AppError::Unauthorized => Status::Unauthorized,
            AppError::Forbidden => Status::Forbidden,
            AppError::NotFound => Status::NotFound,
            AppError::Conflict(_) => Status::Conflict,
            AppError::Refused(refusal) => refusal.status,
            AppError::TooLarge => Status::PayloadTooLarge,
            AppError::Unsupported => Status::UnsupportedMediaType,
            AppError::TooMany { .. } => Status::TooManyRequests,
            AppError::Busy(_) => Status::ServiceUnavailable,
            AppError::Internal(_) => Status::InternalServerError,
            AppError::Worded(status, _) => *status,
        }
    }
}

/// Why the desk (or a member) was refused: `code` never changes once published, `params`
/// carry what a page needs to say it in its own words, and `detail` says it in English,
/// for a librarian to act on ("Copy 000123 is on loan to Ana Lima (5B), due 3 Dec").
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: Status,
    pub code: &'static str,
    /// The request field the refusal is about; its `errors` entry repeats `detail`.
    pub field: &'static str,
    pub detail: String,
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl Refusal {
    /// A 409 with no parameters yet.
    pub fn new(code: &'static str, field: &'static str, detail: impl Into<String>) -> Refusal {
        Refusal {
            status: Status::Conflict,
            code,
            field,
            detail: detail.into(),
            params: serde_json::Map::new(),
        }
    }

    pub fn status(mut self, status: Status) -> Refusal {
        self.status = status;
        self
    }

    pub fn param(mut self, name: &str, value: impl Into<serde_json::Value>) -> Refusal {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> AppError {
        AppError::Refused(Box::new(refusal))
    }
}

fn one(field: &str, problem: impl Into<String>) -> FieldErrors {
    BTreeMap::from([(field.to_string(), problem.into())])
}

/// The reason phrase API.md fixes for each status.
pub fn reason(status: Status) -> &'static str {
    match status.code {
        400 => "BAD REQUEST",
        401 => "ACCESS UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT FOUND",
        405 => "METHOD NOT ALLOWED",
        409 => "CONFLICT",
        413 => "PAYLOAD TOO LARGE",
        415 => "UNSUPPORTED MEDIA TYPE",
        429 => "TOO MANY REQUESTS",
        503 => "SERVICE UNAVAILABLE",
        500..=599 => "INTERNAL SERVER ERROR",
        _ => status.reason().unwrap_or("ERROR"),
    }
}

// What is sent and what the OpenAPI document shows, in one description.
/// The body of every error: `{"message", "status"}` and, for field problems, `errors`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope<'a> {
    /// The reason, e.g. `BAD REQUEST`.
    message: &'a str,
    /// The HTTP status again.
    status: u16,
    /// Field name → what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    errors: Option<&'a BTreeMap<String, String>>,
    /// On circulation refusals: a stable code, such as `item_on_loan` (see the README).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    code: Option<&'a str>,
    /// On circulation refusals: what the refusal is about, for a page to word it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = Option<Object>)]
    params: Option<&'a serde_json::Map<String, serde_json::Value>>,
    /// On circulation refusals: the reason in English, for a librarian to act on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    detail: Option<&'a str>,
}

/// `{"message", "status"}` (plus `errors` when given) with a matching HTTP status.
pub fn error_response<'o>(status: Status, errors: Option<&FieldErrors>) -> Response<'o> {
    envelope_response(
        status,
        ErrorEnvelope {
            message: reason(status),
            status: status.code,
            errors: errors.filter(|e| !e.is_empty()),
            code: None,
            params: None,
            detail: None,
        },
    )
}

fn refusal_response<'o>(refusal: &Refusal) -> Response<'o> {
    let errors = one(refusal.field, refusal.detail.clone());
    envelope_response(
        refusal.status,
        ErrorEnvelope {
            message: reason(refusal.status),
            status: refusal.status.code,
            errors: Some(&errors),
            code: Some(refusal.code),
            params: Some(&refusal.params),
            detail: Some(&refusal.detail),
        },
    )
}

fn envelope_response<'o>(status: Status, body: ErrorEnvelope) -> Response<'o> {
    // Strings and a map of strings: serialising cannot fail, but a panic is no answer.
    let bytes = serde_json::to_vec(&body)
        .unwrap_or_else(|_| br#"{"message":"INTERNAL SERVER ERROR","status":500}"#.to_vec());
    Response::build()
        .status(status)
        .header(ContentType::JSON)
        .sized_body(bytes.len(), Cursor::new(bytes))
        .finalize()
}

/// The error a guard failed with, kept in the request's local cache for the catchers.
pub struct GuardError(pub Option<AppError>);

/// Fails a guard: the status goes to Rocket, the details to the catcher, so the client
/// sees the field-level detail instead of a bare status.
pub fn fail<T, F>(
    req: &Request<'_>,
    error: AppError,
) -> rocket::outcome::Outcome<T, (Status, ()), F> {
    let status = error.status();
    req.local_cache(|| GuardError(Some(error)));
    rocket::outcome::Outcome::Error((status, ()))
}

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        let status = self.status();
        let mut response = match &self {
            AppError::Invalid(errors) | AppError::Conflict(errors) => {
                error_response(status, Some(errors))
            }
            AppError::Refused(refusal) => refusal_response(refusal),
            AppError::Worded(status, message) => envelope_response(
                *status,
                ErrorEnvelope {
                    message,
                    status: status.code,
                    errors: None,
                    code: None,
                    params: None,
                    detail: None,
                },
            ),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                error_response(status, None)
            }
            _ => error_response(status, None),
        };
        match self {
            AppError::TooMany { retry_after } => {
                response.set_header(Header::new("Retry-After", retry_after.to_string()));
            }
            AppError::Busy(what) => {
                tracing::warn!("overloaded: {what}");
                response.set_header(Header::new("Retry-After", "1"));
            }
            AppError::Unauthorized => {
                response.set_header(Header::new("WWW-Authenticate", "Bearer"));
            }
            _ => {}
        }
        Ok(response)
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Internal(format!("database: {e}"))
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Internal(format!("connection pool: {e}"))
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::Internal(format!("io: {e}"))
    }
}

impl From<rocket::tokio::task::JoinError> for AppError {
    fn from(e: rocket::tokio::task::JoinError) -> Self {
        AppError::Internal(format!("blocking task: {e}"))
    }
}
