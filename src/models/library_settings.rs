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

/// How long a catalogue PC in kiosk mode waits for a touch before it signs its reader out.
pub const KIOSK_IDLE_SECONDS: std::ops::RangeInclusive<i64> = 10..=3600;
const DEFAULT_KIOSK_IDLE: i64 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LibrarySettings {
    pub registration: Registration,
    /// Whether members may list other accounts (usernames and pictures only).
    pub members_see_names: bool,
    /// Days a returned loan keeps the link to its reader before it is anonymised; null
    /// keeps it for good.
    #[schema(minimum = 0, maximum = 10000)]
    pub loan_history_days: Option<i64>,
    /// Whether only signed-in readers may search the catalogue and open its books.
    pub catalogue_members_only: bool,
    /// Whether search engines may index the reader's page and its book pages (they are
    /// told `noindex` otherwise).
    pub search_engines_may_index: bool,
    /// Whether members may keep a reading history: each chooses it for themselves, and
    /// their returned loans then stay linked to them until they stop.
    pub reading_history: bool,
    /// Seconds of no use after which a catalogue PC in kiosk mode signs its reader out.
    #[schema(minimum = 10, maximum = 3600)]
    pub kiosk_idle_seconds: i64,
}

const REGISTRATION: &str = "registration";
const MEMBERS_SEE_NAMES: &str = "members_see_names";
const LOAN_HISTORY_DAYS: &str = "loan_history_days";
const CATALOGUE_MEMBERS_ONLY: &str = "catalogue_members_only";
const SEARCH_ENGINES_MAY_INDEX: &str = "search_engines_may_index";
const READING_HISTORY: &str = "reading_history";
const KIOSK_IDLE: &str = "kiosk_idle_seconds";

pub fn load(conn: &Connection) -> ApiResult<LibrarySettings> {
    Ok(LibrarySettings {
        registration: setting::get(conn, REGISTRATION)?
            .and_then(|v| Registration::parse(&v))
            .unwrap_or(Registration::Open),
        members_see_names: setting::get(conn, MEMBERS_SEE_NAMES)?.as_deref() == Some("true"),
        loan_history_days: setting::get(conn, LOAN_HISTORY_DAYS)?
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|days| *days >= 0),
        catalogue_members_only: flag(conn, CATALOGUE_MEMBERS_ONLY)?,
        search_engines_may_index: flag(conn, SEARCH_ENGINES_MAY_INDEX)?,
        reading_history: flag(conn, READING_HISTORY)?,
        kiosk_idle_seconds: setting::get(conn, KIOSK_IDLE)?
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|secs| KIOSK_IDLE_SECONDS.contains(secs))
            .unwrap_or(DEFAULT_KIOSK_IDLE),
    })
}

fn flag(conn: &Connection, key: &str) -> ApiResult<bool> {
    Ok(setting::get(conn, key)?.as_deref() == Some("true"))
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
    for (key, on) in [
        (CATALOGUE_MEMBERS_ONLY, settings.catalogue_members_only),
        (SEARCH_ENGINES_MAY_INDEX, settings.search_engines_may_index),
        (READING_HISTORY, settings.reading_history),
    ] {
        put(key, Some(on.to_string()))?;
    }
    put(KIOSK_IDLE, Some(settings.kiosk_idle_seconds.to_string()))?;
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
        assert!(!found.catalogue_members_only && !found.reading_history);
        assert!(!found.search_engines_may_index);
        assert_eq!(found.kiosk_idle_seconds, DEFAULT_KIOSK_IDLE);
        let changed = LibrarySettings {
            registration: Registration::Approval,
            members_see_names: true,
            loan_history_days: Some(30),
            catalogue_members_only: true,
            search_engines_may_index: true,
            reading_history: true,
            kiosk_idle_seconds: 60,
        };
        save(&conn, &changed).unwrap();
        assert_eq!(load(&conn).unwrap(), changed);
    }
}
