//! Serves stored pictures. Stored names are random and never reused, so they may be cached
//! for good; the built-in default picture for a day.

use std::sync::Arc;

use rocket::http::{ContentType, Header};
use rocket::{get, routes, Responder, Route, State};
use rust_embed::RustEmbed;

use crate::error::{ApiResult, AppError};
use crate::media::{content_type, Kind, MediaStore};
use crate::models::user::DEFAULT_IMAGE;

#[derive(RustEmbed)]
#[folder = "static/images/"]
struct BuiltIn;

#[derive(Responder)]
pub struct Picture {
    bytes: Vec<u8>,
    content_type: ContentType,
    cache: Header<'static>,
}

pub fn routes() -> Vec<Route> {
    routes![profile, cover]
}

async fn stored(media: &MediaStore, kind: Kind, name: &str) -> ApiResult<Picture> {
    let path = media.path(kind, name).ok_or(AppError::NotFound)?;
    let bytes = match rocket::tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    Ok(Picture {
        bytes,
        content_type: content_type(name),
        cache: Header::new("Cache-Control", "public, max-age=31536000, immutable"),
    })
}

/// A profile picture (`default.jpg` is built in).
#[utoipa::path(tag = "images", responses(
    (status = 200, description = "The picture", content(("image/png"), ("image/jpeg"))),
))]
#[get("/images/profile/<name>")]
pub(crate) async fn profile(name: &str, media: &State<Arc<MediaStore>>) -> ApiResult<Picture> {
    if name == DEFAULT_IMAGE {
        let file = BuiltIn::get(DEFAULT_IMAGE).ok_or(AppError::NotFound)?;
        return Ok(Picture {
            bytes: file.data.into_owned(),
            content_type: ContentType::JPEG,
            cache: Header::new("Cache-Control", "public, max-age=86400"),
        });
    }
    stored(media, Kind::Profile, name).await
}

/// A book cover.
#[utoipa::path(tag = "images", responses(
    (status = 200, description = "The cover", content(("image/png"), ("image/jpeg"))),
))]
#[get("/images/cover/<name>")]
pub(crate) async fn cover(name: &str, media: &State<Arc<MediaStore>>) -> ApiResult<Picture> {
    stored(media, Kind::Cover, name).await
}
