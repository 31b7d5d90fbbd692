//! The success envelope: `{"message": "<WHAT> SUCCESS", "result": …, "status": <code>}`,
//! with `meta` on lists.

use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Meta {
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

pub struct Success {
    status: Status,
    body: Map<String, Value>,
}

impl Success {
    fn new(status: Status, what: &str, result: impl Serialize) -> Success {
        let result = serde_json::to_value(result).unwrap_or(Value::Null);
        let body = json!({
            "message": format!("{what} SUCCESS"),
            "result": result,
            "status": status.code,
        });
        match body {
            Value::Object(body) => Success { status, body },
            _ => unreachable!("json! of an object literal is an object"),
        }
    }

    /// 200 with `result`.
    pub fn ok(what: &str, result: impl Serialize) -> Success {
        Success::new(Status::Ok, what, result)
    }

    /// 201 with `result`.
    pub fn created(what: &str, result: impl Serialize) -> Success {
        Success::new(Status::Created, what, result)
    }

    /// 200 with a list and its paging.
    pub fn list(what: &str, items: impl Serialize, meta: Meta) -> Success {
        let mut success = Success::new(Status::Ok, what, items);
        success.body.insert("meta".into(), json!(meta));
        success
    }

    /// Adds top-level keys beside the envelope's own (the seed's login answer needs
    /// `access_token` at the top).
    pub fn with_top_level(mut self, extra: Map<String, Value>) -> Success {
        for (key, value) in extra {
            self.body.entry(key).or_insert(value);
        }
        self
    }
}

impl<'r> Responder<'r, 'static> for Success {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        let bytes = Value::Object(self.body).to_string().into_bytes();
        Response::build()
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(bytes.len(), Cursor::new(bytes))
            .ok()
    }
}

pub type Reply = Result<Success, AppError>;
