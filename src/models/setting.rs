//! Values the server keeps for itself between restarts.

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ApiResult;

pub fn get(conn: &Connection, key: &str) -> ApiResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
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

/// This database's own random name (128 bits, hex), made on first use and kept. Exports
/// carry it, so an import can tell a file from this very catalogue (whose `id` column
/// names our books) from one made by another library (whose ids name unrelated books).
/// Only reads once it exists, so a read-only path may call it.
pub fn instance_id(conn: &Connection) -> ApiResult<String> {
    if let Some(id) = get(conn, INSTANCE_ID)? {
        return Ok(id);
    }
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    conn.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
        params![INSTANCE_ID, hex::encode(bytes)],
    )?;
    Ok(get(conn, INSTANCE_ID)?.unwrap_or_default())
}

/// Drops the name, for a file made to be copied (the demo): each copy then names itself
/// when it first starts, so one copy's exports are not taken for another's.
pub fn forget_instance_id(conn: &Connection) -> ApiResult<()> {
    conn.execute("DELETE FROM settings WHERE key = ?1", [INSTANCE_ID])?;
    Ok(())
}

const INSTANCE_ID: &str = "instance_id";

/// A counter kept in `settings` (the next barcode or card number); 1 when never set.
pub fn next_number(conn: &Connection, key: &str) -> ApiResult<i64> {
    Ok(get(conn, key)?
        .and_then(|value| value.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1))
}

pub fn set_number(conn: &Connection, key: &str, value: i64) -> ApiResult<()> {
    set(conn, key, &value.to_string())
}

pub fn set(conn: &Connection, key: &str, value: &str) -> ApiResult<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
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

    #[test]
    fn instance_id_is_made_once_and_kept() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../migrations/001_init.sql"))
            .unwrap();
        let first = instance_id(&conn).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(instance_id(&conn).unwrap(), first);
        let other = Connection::open_in_memory().unwrap();
        other
            .execute_batch(include_str!("../../migrations/001_init.sql"))
            .unwrap();
        assert_ne!(instance_id(&other).unwrap(), first);
    }
}
