//! The library's calendar: opening weekdays (the `open_weekdays` setting, "1,2,3,4,5")
//! and closed periods (`closed_periods`).

use rusqlite::{params, Connection};

use super::setting;
use crate::domain::calendar::{Calendar, ClosedPeriod, Day};
use crate::error::ApiResult;

const OPEN_WEEKDAYS: &str = "open_weekdays";

pub fn load(conn: &Connection) -> ApiResult<Calendar> {
    let weekdays: Vec<u8> = setting::get(conn, OPEN_WEEKDAYS)?
        .map(|raw| {
            raw.split(',')
                .filter_map(|d| d.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| (1..=7).collect());
    let closed = conn
        .prepare_cached("SELECT first_day, last_day FROM closed_periods")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(first, last)| Some((Day::parse(&first).ok()?, Day::parse(&last).ok()?)))
        .collect();
    Ok(Calendar::stored(&weekdays, closed))
}

/// The closed periods as staff wrote them, in order.
pub fn periods(conn: &Connection) -> ApiResult<Vec<ClosedPeriod>> {
    Ok(conn
        .prepare_cached(
            "SELECT first_day, last_day, reason FROM closed_periods ORDER BY first_day, id",
        )?
        .query_map([], |r| {
            Ok(ClosedPeriod {
                first_day: r.get(0)?,
                last_day: r.get(1)?,
                reason: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Replaces the calendar; `calendar` is the checked form of `periods`.
pub fn save(conn: &Connection, calendar: &Calendar, periods: &[ClosedPeriod]) -> ApiResult<()> {
    let weekdays: Vec<String> = calendar.open_weekdays().iter().map(u8::to_string).collect();
    setting::set(conn, OPEN_WEEKDAYS, &weekdays.join(","))?;
    conn.prepare_cached("DELETE FROM closed_periods")?
        .execute([])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO closed_periods (first_day, last_day, reason) VALUES (?1, ?2, ?3)",
    )?;
    for period in periods {
        // Stored as `Day` writes them (the checked form), so text order is day order.
        let first = Day::parse(&period.first_day).map(|d| d.to_string());
        let last = Day::parse(&period.last_day).map(|d| d.to_string());
        if let (Ok(first), Ok(last)) = (first, last) {
            insert.execute(params![first, last, period.reason.trim()])?;
        }
    }
    Ok(())
}
