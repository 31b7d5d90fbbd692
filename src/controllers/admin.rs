//! /admin: the librarians' page, plain HTML, CSS and JavaScript compiled into the binary,
//! and /reset-password, the small page a reset mail links to. They talk to the JSON API
//! like any other client, so nothing here knows about books or users; this file only hands
//! out the pages' files, under a strict Content-Security-Policy.

use std::borrow::Cow;
use std::io::Cursor;

use rocket::http::uri::{fmt::Path, Segments};
use rocket::http::{ContentType, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{get, routes, Route};
use rust_embed::RustEmbed;

use crate::error::{ApiResult, AppError};

/// Everything in static/ except the built-in pictures, which images.rs embeds and serves.
#[derive(RustEmbed)]
#[folder = "static/"]
#[exclude = "images/*"]
struct Page;

/// The page loads nothing from elsewhere and runs no inline code, so a script injected
/// through some book title could neither run nor send anything out.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                   script-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

const INDEX: &str = "index.html";
/// Where a person sets a new password with the token from a reset mail; its script and
/// style are served under /admin/ with the admin page's.
const RESET_PAGE: &str = "reset-password.html";

pub fn routes() -> Vec<Route> {
    routes![index, file, reset_password_page]
}

/// The admin page (HTML).
#[utoipa::path(tag = "service", responses(
    (status = 200, description = "The page", content_type = "text/html"),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
))]
#[get("/admin")]
pub(crate) fn index(seen: IfNoneMatch) -> ApiResult<Asset> {
    asset(INDEX, seen)
}

/// `/admin/` lands here too, with no segments. Raw segments rather than a `PathBuf`: that
/// guard answers 400 to names like `.env`, and any unknown file here should be a 404.
#[utoipa::path(tag = "service", params(("path" = String, Path, description = "A file of the page")), responses(
    (status = 200, description = "The file", content(("text/html"), ("text/javascript"), ("text/css"), ("image/svg+xml"))),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
))]
#[get("/admin/<path..>")]
pub(crate) fn file(path: Segments<'_, Path>, seen: IfNoneMatch) -> ApiResult<Asset> {
    let parts: Vec<&str> = path.collect();
    // No file of the page is hidden or above the folder; refusing these here means the
    // lookup never sees a path that could climb out of it.
    if parts
        .iter()
        .any(|part| part.starts_with('.') || part.contains('\\'))
    {
        return Err(AppError::NotFound);
    }
    let name = if parts.is_empty() {
        INDEX.to_string()
    } else {
        parts.join("/")
    };
    asset(&name, seen)
}

/// The page a password-reset mail links to (HTML): type a new password twice, and it is
/// sent with the link's token to `POST /users/password/reset`.
#[utoipa::path(tag = "service", params(
    ("token" = Option<String>, Query, description = "The token from the reset mail; the page reads it, the server ignores it here"),
), responses(
    (status = 200, description = "The page", content_type = "text/html"),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
))]
#[get("/reset-password")]
pub(crate) fn reset_password_page(seen: IfNoneMatch) -> ApiResult<Asset> {
    asset(RESET_PAGE, seen)
}

fn asset(name: &str, seen: IfNoneMatch) -> ApiResult<Asset> {
    let file = Page::get(name).ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    let content_type = ContentType::from_extension(extension).unwrap_or(ContentType::Binary);
    // A page must be checked on every visit so a new release is picked up at once; its
    // scripts and styles may be reused for a few minutes.
    let cache = if name.ends_with(".html") {
        "no-cache"
    } else {
        "public, max-age=300"
    };
    let not_modified = seen.0.as_deref().is_some_and(|tags| matches(tags, &etag));
    Ok(Asset {
        body: file.data,
        content_type,
        cache,
        etag,
        not_modified,
    })
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
    body: Cow<'static, [u8]>,
    content_type: ContentType,
    cache: &'static str,
    etag: String,
    not_modified: bool,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::build();
        response
            .raw_header("Cache-Control", self.cache)
            .raw_header("ETag", self.etag)
            .raw_header("Content-Security-Policy", CSP)
            .raw_header("Referrer-Policy", "no-referrer");
        if self.not_modified {
            response.status(Status::NotModified);
        } else {
            let length = self.body.len();
            response
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
