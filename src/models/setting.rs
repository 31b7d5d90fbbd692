//! Values the server keeps for itself between restarts.

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ApiResult;

pub fn get(conn: &Connection, key: &str) -> ApiResult<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The stored JWT secret, generated (256 random bits) on first use.
pub fn jwt_secret(conn: &Connection) -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    conn.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES ('jwt_secret', ?1)",
        params![hex::encode(bytes)],
    )?;
    Ok(get(conn, "jwt_secret")?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_secret_is_made_once_and_kept() {
        let conn = crate::db::open_migrated_in_memory().unwrap();
        let first = jwt_secret(&conn).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(jwt_secret(&conn).unwrap(), first);
    }
}
