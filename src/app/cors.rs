//! Cross-origin calls from web pages on the origins `cors_allowed_origins` names (the
//! original Flask server allowed every origin through flask-cors; here none is allowed
//! until the library says which). A fairing rather than routes: it answers the browser's
//! preflight `OPTIONS` for any path, and adds the allowing headers to real answers, without
//! a route that would change what other requests get (a 404 stays a 404).

use std::io::Cursor;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method, Status};
use rocket::{Request, Response};

use crate::config::CorsOrigins;

/// What a preflight may ask for: every method the API has, and the headers its clients
/// send (the original's `access_token`, a Bearer `Authorization`, a JSON body's type).
const METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const HEADERS: &str = "Authorization, access_token, Content-Type";
/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_KEPT_SECS: &str = "600";

pub struct Cors(pub CorsOrigins);

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info {
            name: "cors",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let Some(origin) = req.headers().get_one("Origin") else {
            return;
        };
        if !self.0.allows(origin) {
            return;
        }
        let allowed = match self.0.any() {
            true => "*".to_string(),
            false => origin.to_string(),
        };
        let preflight = req.method() == Method::Options
            && req.headers().contains("Access-Control-Request-Method");
        if preflight {
            res.set_status(Status::NoContent);
            res.remove_header("Content-Type");
            res.remove_header("Allow");
            res.set_sized_body(0, Cursor::new(Vec::new()));
            res.set_header(Header::new("Access-Control-Allow-Methods", METHODS));
            res.set_header(Header::new("Access-Control-Allow-Headers", HEADERS));
            res.set_header(Header::new("Access-Control-Max-Age", PREFLIGHT_KEPT_SECS));
        } else {
            // Headers a page's script may read besides the simple ones.
            res.set_header(Header::new(
                "Access-Control-Expose-Headers",
                "Retry-After, WWW-Authenticate",
            ));
        }
        res.set_header(Header::new("Access-Control-Allow-Origin", allowed));
        if !self.0.any() {
            // The answer depends on who asks: a cache must not hand one origin's to another.
            res.adjoin_header(Header::new("Vary", "Origin"));
        }
    }
}
