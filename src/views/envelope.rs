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
    /// How many match in all; for the catalogue at most 1,000 (see `total_capped`).
    pub total: i64,
    /// Present, and true, when more match than `total` says: the catalogue counts no
    /// further than 1,000, which is as deep as its pages go. Absent otherwise, so a list
    /// reads as it always has.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

// Each envelope below is both what is sent and what the OpenAPI document shows: one
// description, so the two cannot drift.

/// `{"message": "<WHAT> SUCCESS", "result": …, "status": <code>}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    message: String,
    result: T,
    status: u16,
}

/// A page of a list, with its paging.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListEnvelope<T> {
    message: String,
    result: Vec<T>,
    status: u16,
    meta: Meta,
}

/// `{"detail": "…"}`: what happened, in words.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Detail {
    detail: &'static str,
}

impl Detail {
    pub fn new(detail: &'static str) -> Detail {
        Detail { detail }
    }
}

/// A finished answer: its status and the JSON bytes of its body, written once straight
/// from the view (no intermediate `serde_json::Value`: that tree cost an allocation per
/// field on every response).
pub struct Success {
    status: Status,
    body: Vec<u8>,
}

impl Success {
    fn new(status: Status, envelope: &impl Serialize) -> Success {
        match serde_json::to_vec(envelope) {
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

    fn one(status: Status, what: &str, result: impl Serialize) -> Success {
        let envelope = Envelope {
            message: format!("{what} SUCCESS"),
            result,
            status: status.code,
        };
        Success::new(status, &envelope)
    }

    /// 200 with `result` and a message of other words than "<WHAT> SUCCESS" (the
    /// original Flask server's "SUCCESS: GET BY ID", which its clients match on).
    pub fn worded(message: &str, result: impl Serialize) -> Success {
        let envelope = Envelope {
            message: message.to_string(),
            result,
            status: Status::Ok.code,
        };
        Success::new(Status::Ok, &envelope)
    }

    /// 200 with any body of the caller's own shape.
    pub fn shaped(body: &impl Serialize) -> Success {
        Success::new(Status::Ok, body)
    }

    /// 200 with `result`.
    pub fn ok(what: &str, result: impl Serialize) -> Success {
        Success::one(Status::Ok, what, result)
    }

    /// 201 with `result`.
    pub fn created(what: &str, result: impl Serialize) -> Success {
        Success::one(Status::Created, what, result)
    }

    /// 200 with a list and its paging.
    pub fn list<T: Serialize>(what: &str, items: Vec<T>, meta: Meta) -> Success {
        let envelope = ListEnvelope {
            message: format!("{what} SUCCESS"),
            result: items,
            status: Status::Ok.code,
            meta,
        };
        Success::new(Status::Ok, &envelope)
    }

    /// Adds top-level keys beside the envelope's own (the seed's login answer needs
    /// `access_token` at the top). Rare, so it may take the long way round.
    /// A 200 answer sent before, as it was (see `answers`).
    pub fn again(body: Vec<u8>) -> Success {
        Success {
            status: Status::Ok,
            body,
        }
    }

    /// The body of a 200 answer, to be kept; None for any other status.
    pub fn ok_body(&self) -> Option<&[u8]> {
        (self.status == Status::Ok).then_some(&self.body[..])
    }

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
