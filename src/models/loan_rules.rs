//! Loan rules per group ("5B" may borrow 2 books for 14 days); a rule left unset falls
//! back to the server's configuration.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::now;
use crate::error::ApiResult;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupRules {
    pub group: String,
    pub loan_days: Option<i64>,
    pub max_loans: Option<i64>,
    pub max_renewals: Option<i64>,
    pub max_holds: Option<i64>,
}

impl GroupRules {
    fn from_row(row: &Row) -> rusqlite::Result<GroupRules> {
        Ok(GroupRules {
            group: row.get("group_name")?,
            loan_days: row.get("loan_days")?,
            max_loans: row.get("max_loans")?,
            max_renewals: row.get("max_renewals")?,
            max_holds: row.get("max_holds")?,
        })
    }
}

/// The rules of a group (any letter case), if it has any.
pub fn for_group(conn: &Connection, group: &str) -> ApiResult<Option<GroupRules>> {
    Ok(conn
        .prepare_cached("SELECT * FROM loan_rules WHERE group_name = ?1")?
        .query_row([group], GroupRules::from_row)
        .optional()?)
}

/// Every group's rules, by group name.
pub fn list(conn: &Connection) -> ApiResult<Vec<GroupRules>> {
    Ok(conn
        .prepare_cached("SELECT * FROM loan_rules ORDER BY group_name")?
        .query_map([], GroupRules::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Sets a group's rules, replacing any it had.
pub fn put(conn: &Connection, rules: &GroupRules) -> ApiResult<()> {
    conn.execute(
        "INSERT OR REPLACE INTO loan_rules
             (group_name, loan_days, max_loans, max_renewals, max_holds, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            rules.group,
            rules.loan_days,
            rules.max_loans,
            rules.max_renewals,
            rules.max_holds,
            now()
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, group: &str) -> ApiResult<bool> {
    Ok(conn.execute("DELETE FROM loan_rules WHERE group_name = ?1", [group])? > 0)
}
