//! Passwords: the one place that calls bcrypt, for the server and the command line alike.
//! In the server it runs on a blocking thread: one hash takes tens of milliseconds, long
//! enough to stall every request sharing an async worker.

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

fn hash_here(password: &Password, cost: u32) -> ApiResult<String> {
    bcrypt::hash(password.expose(), cost).map_err(|e| AppError::Internal(format!("bcrypt: {e}")))
}

pub async fn hash(password: &Password, cost: u32) -> ApiResult<String> {
    let password = password.clone();
    let turn = bcrypt_turn().await?;
    spawn_blocking(move || {
        let _turn = turn;
        hash_here(&password, cost)
    })
    .await?
}

/// `hash` for synchronous callers (the command line), taking its turn like the server does.
pub fn hash_blocking(password: &Password, cost: u32) -> ApiResult<String> {
    let _turn = loop {
        match BCRYPT_SLOTS.try_acquire() {
            Ok(turn) => break turn,
            Err(rocket::tokio::sync::TryAcquireError::NoPermits) => {
                std::thread::sleep(std::time::Duration::from_millis(5))
            }
            Err(e) => return Err(AppError::Internal(format!("bcrypt slots: {e}"))),
        }
    };
    hash_here(password, cost)
}

/// Checks `password` against `hash`. With no hash (unknown account) it still spends the
/// time of one check, so a reply's timing does not tell whether an account exists. A stored
/// hash that bcrypt cannot read is a server error (logged), never a quiet "wrong password".
pub async fn verify(password: &str, hash: Option<String>) -> ApiResult<bool> {
    const DECOY: &str = "$2b$10$1ch2f9OLK92IiOA.bv8ai.GbXXzdxkKzpKshpyPDXY5/zQhc8Gbdm";
    let password = password.to_string();
    let turn = bcrypt_turn().await?;
    spawn_blocking(move || {
        let _turn = turn;
        match hash {
            Some(hash) => bcrypt::verify(&password, &hash).map_err(|e| {
                AppError::Internal(format!("a stored password hash is unreadable: {e}"))
            }),
            None => {
                let _ = bcrypt::verify(&password, DECOY);
                Ok(false)
            }
        }
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rocket::async_test]
    async fn a_corrupt_stored_hash_is_a_server_error_not_a_wrong_password() {
        let good = hash_blocking(&Password::parse("correct-horse").unwrap(), 4).unwrap();
        assert!(verify("correct-horse", Some(good.clone())).await.unwrap());
        assert!(!verify("wrong-horse!", Some(good)).await.unwrap());
        assert!(!verify("anything-at-all", None).await.unwrap());
        let corrupt = verify("correct-horse", Some("$2b$10$not-a-hash".into())).await;
        assert!(matches!(corrupt, Err(AppError::Internal(_))), "{corrupt:?}");
    }
}
