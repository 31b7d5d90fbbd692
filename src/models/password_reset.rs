//! Password-reset tokens. Only a SHA-256 of each token is stored.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::UserId;
use crate::error::ApiResult;

pub fn create(
    conn: &Connection,
    user_id: UserId,
    token_hash: &str,
    expires_at: i64,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES (?1, ?2, ?3)",
        params![user_id, token_hash, expires_at],
    )?;
    Ok(())
}

/// Whether the token exists, is unused and unexpired: a cheap check before a bcrypt is
/// spent on it (`redeem` decides for good, inside the write).
pub fn is_open(conn: &Connection, token_hash: &str, now: i64) -> ApiResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM password_resets
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2)",
        params![token_hash, now],
        |r| r.get(0),
    )?)
}

/// Marks the token used and returns its user, if it exists, is unused and unexpired.
/// Every other open token of that user is spent too.
pub fn redeem(conn: &Connection, token_hash: &str, now: i64) -> ApiResult<Option<UserId>> {
    let user_id: Option<UserId> = conn
        .query_row(
            "SELECT user_id FROM password_resets
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            params![token_hash, now],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(user_id) = user_id {
        conn.execute(
            "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
            params![user_id, now],
        )?;
    }
    Ok(user_id)
}

/// Forgets tokens that can no longer be used, so the table does not grow without end.
pub fn prune(conn: &Connection, now: i64) -> ApiResult<()> {
    conn.execute(
        "DELETE FROM password_resets WHERE used_at IS NOT NULL OR expires_at <= ?1",
        [now],
    )?;
    Ok(())
}

/// The hashes of every token that can still be redeemed.
pub fn open_hashes(conn: &Connection, now: i64) -> ApiResult<HashSet<String>> {
    let mut statement = conn.prepare(
        "SELECT token_hash FROM password_resets WHERE used_at IS NULL AND expires_at > ?1",
    )?;
    let hashes = statement
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<HashSet<String>>>()?;
    Ok(hashes)
}
