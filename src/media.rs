//! Uploaded pictures: profile pictures and book covers share one pipeline. An upload is
//! judged by its content (not its name), decoded under memory limits (so a small file that
//! declares huge dimensions is refused), shrunk to fit a box, re-encoded without metadata,
//! and stored under a random name the server makes.

use std::future::Future;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use rand::RngCore;
use rocket::tokio::sync::Semaphore;
use rocket::tokio::task::spawn_blocking;

use crate::error::{ApiResult, AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Profile,
    Cover,
}

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Cover => "cover",
        }
    }

    /// The box a stored picture fits in.
    fn max_side(self) -> u32 {
        match self {
            Kind::Profile => 256,
            Kind::Cover => 600,
        }
    }
}

/// Largest width or height we agree to decode.
const MAX_DIMENSION: u32 = 10_000;
/// Most memory one decode may take: a small file can declare a huge picture (a 100 KB PNG
/// of 6000×6000 pixels decodes to 108 MB), so the decoder refuses before it allocates.
/// 40 MiB holds a 12-megapixel phone photo; with `decodes` at a time it bounds the whole
/// process's memory under a burst of uploads.
pub const MAX_DECODE_BYTES: u64 = 40 * 1024 * 1024;

pub struct MediaStore {
    root: PathBuf,
    pub max_bytes: u64,
    /// Decodes allowed at once (`image_decodes_at_once`); the rest wait their turn.
    decodes: Arc<Semaphore>,
}

pub struct Encoded {
    bytes: Vec<u8>,
    extension: &'static str,
}

impl MediaStore {
    pub fn new(root: PathBuf, max_bytes: u64, decodes_at_once: usize) -> MediaStore {
        MediaStore {
            root,
            max_bytes,
            decodes: Arc::new(Semaphore::new(decodes_at_once.max(1))),
        }
    }

    /// Creates the folders, so a misconfigured data directory fails at start, not later.
    pub fn prepare(&self) -> std::io::Result<()> {
        for kind in [Kind::Profile, Kind::Cover] {
            std::fs::create_dir_all(self.root.join(kind.folder()))?;
        }
        Ok(())
    }

    /// Decodes, shrinks and re-encodes an upload. Blocking: call on a blocking thread.
    pub fn process(&self, kind: Kind, upload: &[u8]) -> ApiResult<Encoded> {
        if upload.len() as u64 > self.max_bytes {
            return Err(AppError::TooLarge);
        }
        let format = image::guess_format(upload).map_err(|_| AppError::Unsupported)?;
        if !matches!(
            format,
            ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
        ) {
            return Err(AppError::Unsupported);
        }
        let mut reader = ImageReader::with_format(Cursor::new(upload), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_DIMENSION);
        limits.max_image_height = Some(MAX_DIMENSION);
        limits.max_alloc = Some(MAX_DECODE_BYTES);
        reader.limits(limits);
        let image = reader.decode().map_err(|e| match e {
            image::ImageError::Limits(_) => AppError::invalid(
                "image",
                format!(
                    "is too large to process: at most {MAX_DIMENSION} pixels a side and about \
                     {} megapixels; make it smaller and try again",
                    MAX_DECODE_BYTES / 4 / 1_000_000
                ),
            ),
            _ => AppError::invalid("image", "is not a readable PNG, JPEG, GIF or WebP image"),
        })?;
        let side = kind.max_side();
        let image = if image.width() > side || image.height() > side {
            image.thumbnail(side, side)
        } else {
            image
        };
        encode(image, format == ImageFormat::Jpeg)
    }

    /// Writes an encoded picture under a fresh name and returns the name. Blocking.
    pub fn save(&self, kind: Kind, encoded: &Encoded) -> ApiResult<String> {
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        let name = format!("{}.{}", hex::encode(random), encoded.extension);
        let folder = self.root.join(kind.folder());
        std::fs::create_dir_all(&folder)?;
        write_atomically(&folder.join(&name), &encoded.bytes)?;
        Ok(name)
    }

    /// Removes a stored picture; a missing file is not an error. Blocking.
    pub fn remove(&self, kind: Kind, name: &str) {
        if let Some(path) = self.path(kind, name) {
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(file = %path.display(), error = %e, "could not remove picture");
                }
            }
        }
    }

    /// Where a stored picture lives, for a name the server could have made.
    pub fn path(&self, kind: Kind, name: &str) -> Option<PathBuf> {
        is_stored_name(name).then(|| self.root.join(kind.folder()).join(name))
    }
}

/// Puts an upload in place of an owner's picture. The upload is processed and stored first
/// (off the async runtime); then `swap` points the owner at the new name in the database
/// and answers the name it replaces (`Ok(None)`: the owner is gone, a 404). Whichever file
/// lost is removed afterwards — the new one if the swap failed, the old one if it worked —
/// so no request leaves a stray file or a row pointing at nothing.
pub async fn replace_picture<Swap, Done>(
    store: &Arc<MediaStore>,
    kind: Kind,
    upload: Vec<u8>,
    swap: Swap,
) -> ApiResult<()>
where
    Swap: FnOnce(String) -> Done,
    Done: Future<Output = ApiResult<Option<Option<String>>>>,
{
    let worker = Arc::clone(store);
    // Waits here, on the async side, for a decode slot; held until the picture is stored.
    let slot = Arc::clone(&store.decodes)
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(format!("decode slots: {e}")))?;
    let name = spawn_blocking(move || {
        let _slot = slot;
        let encoded = worker.process(kind, &upload)?;
        worker.save(kind, &encoded)
    })
    .await??;
    let outcome = swap(name.clone()).await;
    let (loser, result) = match outcome {
        Ok(Some(replaced)) => (replaced, Ok(())),
        Ok(None) => (Some(name), Err(AppError::NotFound)),
        Err(e) => (Some(name), Err(e)),
    };
    if let Some(loser) = loser {
        let worker = Arc::clone(store);
        spawn_blocking(move || worker.remove(kind, &loser)).await?;
    }
    result
}

/// Names the server makes: 32 hex digits and a known extension. Anything else (paths,
/// dots, the built-in default) is not a stored file.
fn is_stored_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((stem, ext)) => {
            stem.len() == 32
                && stem.bytes().all(|b| b.is_ascii_hexdigit())
                && matches!(ext, "png" | "jpg")
        }
        None => false,
    }
}

pub fn content_type(name: &str) -> rocket::http::ContentType {
    if name.ends_with(".png") {
        rocket::http::ContentType::PNG
    } else {
        rocket::http::ContentType::JPEG
    }
}

/// Photos stay JPEG; everything else becomes PNG, which keeps transparency.
fn encode(image: DynamicImage, photo: bool) -> ApiResult<Encoded> {
    let mut bytes = Vec::new();
    let internal = |e: image::ImageError| AppError::Internal(format!("encoding a picture: {e}"));
    if photo {
        let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85);
        rgb.write_with_encoder(encoder).map_err(internal)?;
        Ok(Encoded {
            bytes,
            extension: "jpg",
        })
    } else {
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(internal)?;
        Ok(Encoded {
            bytes,
            extension: "png",
        })
    }
}

/// Writes to a temporary name and renames, so a crash never leaves half a file under the
/// real name.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("part");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_server_made_names_are_files() {
        assert!(is_stored_name("0123456789abcdef0123456789abcdef.png"));
        for bad in [
            "default.jpg",
            "../etc/passwd",
            "0123456789abcdef0123456789abcdef.exe",
            "x.png",
            "0123456789abcdef0123456789abcdef.png/..",
        ] {
            assert!(!is_stored_name(bad), "{bad}");
        }
    }
}
