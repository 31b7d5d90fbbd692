//! The success envelope: `{"message": "<WHAT> SUCCESS", "result": …, "status": <code>}`,
//! with `meta` on lists.

use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Meta {
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

/// A finished answer: its status and the JSON bytes of its body, written once straight
/// from the view (no intermediate `serde_json::Value`: that tree cost an allocation per
/// field on every response).
pub struct Success {
    status: Status,
    body: Vec<u8>,
}

#[derive(Serialize)]
struct Envelope<'a, R: Serialize> {
    message: &'a str,
    result: R,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<Meta>,
}

impl Success {
    fn new(status: Status, what: &str, result: impl Serialize, meta: Option<Meta>) -> Success {
        let message = format!("{what} SUCCESS");
        let envelope = Envelope {
            message: &message,
            result,
            status: status.code,
            meta,
        };
        match serde_json::to_vec(&envelope) {
            Ok(body) => Success { status, body },
            Err(e) => {
                tracing::error!(error = %e, "could not serialise a response");
                Success {
                    status: Status::InternalServerError,
                    body: br#"{"message":"INTERNAL SERVER ERROR","status":500}"#.to_vec(),
                }
            }
        }
    }

    /// 200 with `result`.
    pub fn ok(what: &str, result: impl Serialize) -> Success {
        Success::new(Status::Ok, what, result, None)
    }

    /// 201 with `result`.
    pub fn created(what: &str, result: impl Serialize) -> Success {
        Success::new(Status::Created, what, result, None)
    }

    /// 200 with a list and its paging.
    pub fn list(what: &str, items: impl Serialize, meta: Meta) -> Success {
        Success::new(Status::Ok, what, items, Some(meta))
    }

    /// Adds top-level keys beside the envelope's own (the seed's login answer needs
    /// `access_token` at the top). Rare, so it may take the long way round.
    pub fn with_top_level(mut self, extra: Map<String, Value>) -> Success {
        if let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(&self.body) {
            for (key, value) in extra {
                body.entry(key).or_insert(value);
            }
            self.body = Value::Object(body).to_string().into_bytes();
        }
        self
    }
}

impl<'r> Responder<'r, 'static> for Success {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(self.body.len(), Cursor::new(self.body))
            .ok()
    }
}

pub type Reply = Result<Success, AppError>;
