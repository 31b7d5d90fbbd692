//! How the pages' files go out: compiled into the binary, with an entity tag for
//! `If-None-Match`, a cache policy, and a strict Content-Security-Policy on each.

use std::borrow::Cow;
use std::io::Cursor;

use rocket::http::uri::{fmt::Path, Segments};
use rocket::http::{ContentType, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use sha2::{Digest, Sha256};

use crate::error::{ApiResult, AppError};

/// The pages load nothing from elsewhere and run no inline code, so a script injected
/// through some book title could neither run nor send anything out. (A JSON-LD block is
/// data, not script: no policy is needed for it.)
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                   script-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

/// A file name under a page's folder from the path's segments (none: the folder itself).
/// No file of a page is hidden or above its folder; refusing these here means the lookup
/// never sees a path that could climb out of it.
pub fn safe_path(path: Segments<'_, Path>) -> ApiResult<Option<String>> {
    let parts: Vec<&str> = path.collect();
    if parts
        .iter()
        .any(|part| part.starts_with('.') || part.contains('\\'))
    {
        return Err(AppError::NotFound);
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// Whether an `If-None-Match` list names this entity tag (weak or strong, or `*`).
fn matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

pub struct IfNoneMatch(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IfNoneMatch {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let value = req.headers().get_one("If-None-Match").map(str::to_string);
        Outcome::Success(IfNoneMatch(value))
    }
}

pub struct Asset {
    status: Status,
    body: Cow<'static, [u8]>,
    content_type: ContentType,
    cache: &'static str,
    etag: String,
    not_modified: bool,
    /// `X-Robots-Tag`, for pages search engines are to leave out.
    robots: Option<&'static str>,
    /// A page made here in the reader's language varies with what chose it.
    vary: Option<&'static str>,
}

impl Asset {
    /// A file compiled in from a page's folder.
    pub fn new(name: &str, file: rust_embed::EmbeddedFile, seen: IfNoneMatch) -> Asset {
        let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
        let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
        // `.js` is `text/javascript`: a browser refuses a module script served as anything
        // but JavaScript, and with `nosniff` would not guess.
        let content_type = ContentType::from_extension(extension).unwrap_or(ContentType::Binary);
        // Checked on every use (a 304 when unchanged): a page's modules must all come from
        // one release, or an upgrade could load a new module beside an old one it imports.
        let cache = "no-cache";
        let not_modified = seen.0.as_deref().is_some_and(|tags| matches(tags, &etag));
        Asset {
            status: Status::Ok,
            body: file.data,
            content_type,
            cache,
            etag,
            not_modified,
            robots: None,
            vary: None,
        }
    }

    /// A page made for this request (HTML), checked again on every visit.
    pub fn rendered(status: Status, html: String, seen: IfNoneMatch) -> Asset {
        let etag = format!("\"{}\"", hex::encode(Sha256::digest(html.as_bytes())));
        let not_modified =
            status == Status::Ok && seen.0.as_deref().is_some_and(|tags| matches(tags, &etag));
        Asset {
            status,
            body: Cow::Owned(html.into_bytes()),
            content_type: ContentType::HTML,
            cache: "no-cache",
            etag,
            not_modified,
            robots: None,
            vary: Some("Accept-Language, Cookie"),
        }
    }

    /// Tells search engines to leave the page out of their index.
    pub fn noindex(mut self, noindex: bool) -> Asset {
        self.robots = noindex.then_some("noindex, nofollow");
        self
    }
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::build();
        response
            .raw_header("Cache-Control", self.cache)
            .raw_header("ETag", self.etag)
            .raw_header("Content-Security-Policy", CSP)
            .raw_header("Referrer-Policy", "no-referrer");
        if let Some(robots) = self.robots {
            response.raw_header("X-Robots-Tag", robots);
        }
        if let Some(vary) = self.vary {
            response.raw_header("Vary", vary);
        }
        if self.not_modified {
            response.status(Status::NotModified);
        } else {
            let length = self.body.len();
            response
                .status(self.status)
                .header(self.content_type)
                .sized_body(length, Cursor::new(self.body));
        }
        response.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_lists() {
        assert!(matches("\"abc\"", "\"abc\""));
        assert!(matches("W/\"x\", \"abc\"", "\"abc\""));
        assert!(matches("*", "\"abc\""));
        assert!(!matches("\"abd\"", "\"abc\""));
    }
}
