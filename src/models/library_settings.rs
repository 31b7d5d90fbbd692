//! The library's own choices that staff change at run time (not the server's
//! configuration): who may register, what members see of each other, how long loan
//! history stays linked to its reader. Kept in `settings`.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::setting;
use crate::error::ApiResult;

/// Who may make an account with POST /users/register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    /// Anyone; the account works at once.
    Open,
    /// Nobody: staff create accounts (recommended for schools).
    Closed,
    /// Anyone, but the account waits (`pending`) until staff approve it.
    Approval,
}

impl Registration {
    fn parse(raw: &str) -> Option<Registration> {
        match raw {
            "open" => Some(Registration::Open),
            "closed" => Some(Registration::Closed),
            "approval" => Some(Registration::Approval),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::Closed => "closed",
            Registration::Approval => "approval",
        }
    }
}

/// The most days loan history may stay linked (about 30 years); 0 is "anonymise at once".
pub const MAX_HISTORY_DAYS: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LibrarySettings {
    pub registration: Registration,
    /// Whether members may list other accounts (usernames and pictures only).
    pub members_see_names: bool,
    /// Days a returned loan keeps the link to its reader before it is anonymised; null
    /// keeps it for good.
    #[schema(minimum = 0, maximum = 10000)]
    pub loan_history_days: Option<i64>,
}

const REGISTRATION: &str = "registration";
const MEMBERS_SEE_NAMES: &str = "members_see_names";
const LOAN_HISTORY_DAYS: &str = "loan_history_days";

pub fn load(conn: &Connection) -> ApiResult<LibrarySettings> {
    Ok(LibrarySettings {
        registration: setting::get(conn, REGISTRATION)?
            .and_then(|v| Registration::parse(&v))
            .unwrap_or(Registration::Open),
        members_see_names: setting::get(conn, MEMBERS_SEE_NAMES)?.as_deref() == Some("true"),
        loan_history_days: setting::get(conn, LOAN_HISTORY_DAYS)?
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|days| *days >= 0),
    })
}

pub fn save(conn: &Connection, settings: &LibrarySettings) -> ApiResult<()> {
    let put = |key: &str, value: Option<String>| -> ApiResult<()> {
        match value {
            Some(value) => {
                conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
                    [key, &value],
                )?;
            }
            None => {
                conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
            }
        }
        Ok(())
    };
    put(REGISTRATION, Some(settings.registration.as_str().into()))?;
    put(
        MEMBERS_SEE_NAMES,
        Some(settings.members_see_names.to_string()),
    )?;
    put(
        LOAN_HISTORY_DAYS,
        settings.loan_history_days.map(|d| d.to_string()),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_round_trip() {
        let conn = crate::db::open_migrated_in_memory().unwrap();
        let found = load(&conn).unwrap();
        assert_eq!(found.registration, Registration::Open);
        assert!(!found.members_see_names);
        assert_eq!(found.loan_history_days, None);
        let changed = LibrarySettings {
            registration: Registration::Approval,
            members_see_names: true,
            loan_history_days: Some(30),
        };
        save(&conn, &changed).unwrap();
        assert_eq!(load(&conn).unwrap(), changed);
    }
}
