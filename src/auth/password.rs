//! bcrypt, always on a blocking thread: one hash takes tens of milliseconds, long enough to
//! stall every request sharing an async worker.

use rocket::tokio::task::spawn_blocking;

use crate::domain::Password;
use crate::error::{ApiResult, AppError};

pub async fn hash(password: &Password, cost: u32) -> ApiResult<String> {
    let password = password.clone();
    spawn_blocking(move || bcrypt::hash(password.expose(), cost))
        .await?
        .map_err(|e| AppError::Internal(format!("bcrypt: {e}")))
}

/// Checks `password` against `hash`. With no hash (unknown account) it still spends the
/// time of one check, so a reply's timing does not tell whether an account exists.
pub async fn verify(password: &str, hash: Option<String>) -> ApiResult<bool> {
    const DECOY: &str = "$2b$10$1ch2f9OLK92IiOA.bv8ai.GbXXzdxkKzpKshpyPDXY5/zQhc8Gbdm";
    let password = password.to_string();
    spawn_blocking(move || match hash {
        Some(hash) => bcrypt::verify(&password, &hash).unwrap_or(false),
        None => {
            let _ = bcrypt::verify(&password, DECOY);
            false
        }
    })
    .await
    .map_err(AppError::from)
}
