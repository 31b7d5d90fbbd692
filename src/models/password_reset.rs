//! Password-reset tokens. Only a SHA-256 of each token is stored. A mailed link's token is
//! enough to reset; a request by code (`create_coded`, the original Flask clients' flow)
//! needs its token and the mailed code together, and no link's check accepts its token.

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
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 AND code_hash IS NULL)",
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
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
               AND code_hash IS NULL",
            params![token_hash, now],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(user_id) = user_id {
        spend_all(conn, user_id, now)?;
    }
    Ok(user_id)
}

/// A reset request that needs a mailed code as well as its token: `code_hash` is the
/// SHA-256 of the token and the code together (`coded_hash`), so the stored row alone does
/// not give the code away even to someone who tries every code.
pub fn create_coded(
    conn: &Connection,
    user_id: UserId,
    token_hash: &str,
    code_hash: &str,
    tries: i64,
    expires_at: i64,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO password_resets (user_id, token_hash, expires_at, code_hash, tries_left)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, token_hash, expires_at, code_hash, tries],
    )?;
    Ok(())
}

/// What a code given for a coded request came to.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code is right; the request is still open (`spend_coded` ends it).
    Right(UserId),
    /// No open request has this token, or the code is wrong (a wrong code uses up a try,
    /// the last one ends the request).
    Wrong,
}

/// Checks `code_hash` against the open coded request of `token_hash`; run inside a write,
/// as a wrong code is counted.
pub fn check_code(
    conn: &Connection,
    token_hash: &str,
    code_hash: &str,
    now: i64,
) -> ApiResult<CodeCheck> {
    let open: Option<(i64, UserId, String)> = conn
        .query_row(
            "SELECT id, user_id, code_hash FROM password_resets
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
               AND code_hash IS NOT NULL AND tries_left > 0",
            params![token_hash, now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, user_id, stored)) = open else {
        return Ok(CodeCheck::Wrong);
    };
    if stored == code_hash {
        return Ok(CodeCheck::Right(user_id));
    }
    conn.execute(
        "UPDATE password_resets SET tries_left = tries_left - 1,
                used_at = CASE WHEN tries_left <= 1 THEN ?2 END
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(CodeCheck::Wrong)
}

/// Ends every open request of the user, coded or not, once a password is set.
pub fn spend_all(conn: &Connection, user_id: UserId, now: i64) -> ApiResult<()> {
    conn.execute(
        "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user_id, now],
    )?;
    Ok(())
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
