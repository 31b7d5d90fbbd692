//! bcrypt, always on a blocking thread: one hash takes tens of milliseconds, long enough to
//! stall every request sharing an async worker.

use std::sync::LazyLock;

use rocket::tokio::sync::Semaphore;
use rocket::tokio::task::spawn_blocking;

use crate::domain::Password;
use crate::error::{ApiResult, AppError};

/// bcrypt runs at most one per core at once. Each takes a core for its whole run, so more
/// in parallel only share the cores out thinner: the logins finish no sooner, and every other
/// request's work waits behind a crowd of hashes (a login flood pushed GET p99 past 100 ms).
/// A machine resource, like the cores it counts, hence one for the process.
static BCRYPT_SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

async fn bcrypt_turn() -> ApiResult<rocket::tokio::sync::SemaphorePermit<'static>> {
    BCRYPT_SLOTS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("bcrypt slots: {e}")))
}

pub async fn hash(password: &Password, cost: u32) -> ApiResult<String> {
    let password = password.clone();
    let turn = bcrypt_turn().await?;
    spawn_blocking(move || {
        let _turn = turn;
        bcrypt::hash(password.expose(), cost)
    })
    .await?
    .map_err(|e| AppError::Internal(format!("bcrypt: {e}")))
}

/// Checks `password` against `hash`. With no hash (unknown account) it still spends the
/// time of one check, so a reply's timing does not tell whether an account exists.
pub async fn verify(password: &str, hash: Option<String>) -> ApiResult<bool> {
    const DECOY: &str = "$2b$10$1ch2f9OLK92IiOA.bv8ai.GbXXzdxkKzpKshpyPDXY5/zQhc8Gbdm";
    let password = password.to_string();
    let turn = bcrypt_turn().await?;
    spawn_blocking(move || {
        let _turn = turn;
        match hash {
            Some(hash) => bcrypt::verify(&password, &hash).unwrap_or(false),
            None => {
                let _ = bcrypt::verify(&password, DECOY);
                false
            }
        }
    })
    .await
    .map_err(AppError::from)
}
