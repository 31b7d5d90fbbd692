//! /admin: the librarians' page, plain HTML, CSS and JavaScript compiled into the binary.
//! It talks to the JSON API like any other client, so nothing here knows about books or
//! users; this file only hands out the page's files (see `assets`).

use rocket::http::uri::{fmt::Path, Segments};
use rocket::{get, routes, Route};
use rust_embed::RustEmbed;

use super::assets::{safe_path, Asset, IfNoneMatch};
use crate::error::{ApiResult, AppError};

/// Everything in static/ except the built-in pictures, which images.rs embeds and serves:
/// the pages, and the admin page's ES modules under static/js/, served at /admin/js/….
#[derive(RustEmbed)]
#[folder = "static/"]
#[exclude = "images/*"]
#[exclude = "reader/*"]
struct Page;

const INDEX: &str = "index.html";

pub fn routes() -> Vec<Route> {
    routes![index, file]
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
    let name = safe_path(path)?.unwrap_or_else(|| INDEX.to_string());
    asset(&name, seen)
}

/// One of the admin page's files the reader's page shares, served there under
/// /reader/shared/{name}, so the reader's page needs nothing from /admin, which a proxy
/// may keep from the public.
pub(crate) fn shared_file(name: &str, seen: IfNoneMatch) -> ApiResult<Asset> {
    const SHARED: &[(&str, &str)] = &[("dom.js", "js/dom.js"), ("favicon.svg", "favicon.svg")];
    let (_, file) = SHARED
        .iter()
        .find(|(shared, _)| *shared == name)
        .ok_or(AppError::NotFound)?;
    asset(file, seen)
}

fn asset(name: &str, seen: IfNoneMatch) -> ApiResult<Asset> {
    let file = Page::get(name).ok_or(AppError::NotFound)?;
    Ok(Asset::new(name, file, seen))
}
