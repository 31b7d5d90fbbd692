//! The users table.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{like_prefix, now, setting, Page};
use crate::db::unique_violation;
use crate::domain::item::Barcode;
use crate::domain::{Email, Role, UserId, Username};
use crate::error::{ApiResult, AppError, FieldErrors};

/// A stored user. It is not serialisable: what leaves the server is built in `views`,
/// so the password hash cannot leak by accident.
#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub image_file: String,
    pub role: Role,
    pub token_version: i64,
    /// Random per account, named in its tokens: an id may one day belong to someone else,
    /// this key never will.
    pub token_key: String,
    pub created_at: i64,
    pub modified_at: i64,
    /// What the desk needs: the name on the card, its number, and a group ("5B", "Staff").
    pub full_name: Option<String>,
    pub card_number: Option<String>,
    pub group: Option<String>,
}

pub const DEFAULT_IMAGE: &str = "default.jpg";

const COLUMNS: &str = "id, username, email, password_hash, image_file, role, token_version,
    created_at, modified_at, token_key, full_name, card_number, group_name";

impl User {
    fn from_row(row: &Row) -> rusqlite::Result<User> {
        Ok(User {
            id: row.get(0)?,
            username: row.get(1)?,
            email: row.get(2)?,
            password_hash: row.get(3)?,
            image_file: row.get(4)?,
            role: row.get(5)?,
            token_version: row.get(6)?,
            created_at: row.get(7)?,
            modified_at: row.get(8)?,
            token_key: row.get(9)?,
            full_name: row.get(10)?,
            card_number: row.get(11)?,
            group: row.get(12)?,
        })
    }

    /// How the desk names the patron: "Ana Lima (5B)", or the username without a full name.
    pub fn display_name(&self) -> String {
        let name = self.full_name.as_deref().unwrap_or(&self.username);
        match &self.group {
            Some(group) => format!("{name} ({group})"),
            None => name.to_string(),
        }
    }
}

impl ToSql for Role {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Role {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Role::parse(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
    }
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub username: &'a Username,
    pub password_hash: &'a str,
    /// None: admin when the database has no user yet, member otherwise.
    pub role: Option<Role>,
    /// The prefix of the card number the new user is given (`card_prefix`).
    pub card_prefix: &'a str,
}

/// Inserts a user. Call inside a write transaction so that the uniqueness checks and
/// "first user becomes admin" cannot race another registration.
pub fn insert(conn: &Connection, new: &NewUser) -> ApiResult<User> {
    let mut taken = FieldErrors::new();
    if find_by_email(conn, new.email.as_str())?.is_some() {
        taken.insert("email".into(), "is already registered".into());
    }
    if find_by_username(conn, new.username.as_str())?.is_some() {
        taken.insert("username".into(), "is already taken".into());
    }
    if !taken.is_empty() {
        return Err(AppError::Conflict(taken));
    }
    let role = match new.role {
        Some(role) => role,
        None if count(conn)? == 0 => Role::Admin,
        None => Role::Member,
    };
    let at = now();
    let card = next_card_number(conn, new.card_prefix)?;
    conn.execute(
        "INSERT INTO users (username, email, password_hash, role, created_at, modified_at,
                            card_number)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        params![
            new.username.as_str(),
            new.email.as_str(),
            new.password_hash,
            role,
            at,
            card.as_str()
        ],
    )
    .map_err(|e| unique_violation(e, "username", "is already taken"))?;
    let id = UserId::new(conn.last_insert_rowid());
    find(conn, id)?.ok_or_else(|| AppError::Internal("inserted user vanished".into()))
}

fn find_where(conn: &Connection, condition: &str, value: &dyn ToSql) -> ApiResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {condition}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([value], User::from_row)
        .optional()?)
}

pub fn find(conn: &Connection, id: UserId) -> ApiResult<Option<User>> {
    find_where(conn, "id = ?1", &id)
}

/// By card number, in any letter case (the column's collation).
pub fn find_by_card(conn: &Connection, card: &str) -> ApiResult<Option<User>> {
    find_where(conn, "card_number = ?1", &card.trim())
}

/// The next free card number of the library's sequence: `prefix` and a number counted up
/// in `settings`, skipping numbers taken by a card typed in or a copy's barcode.
pub fn next_card_number(conn: &Connection, prefix: &str) -> ApiResult<Barcode> {
    let mut number = setting::next_number(conn, "next_card_number")?;
    loop {
        let card = Barcode::numbered(prefix, number)
            .map_err(|e| AppError::Internal(format!("card number prefix: {e}")))?;
        if code_is_free(conn, card.as_str(), None)? {
            setting::set_number(conn, "next_card_number", number + 1)?;
            return Ok(card);
        }
        number += 1;
    }
}

/// Whether `code` is neither a copy's barcode nor the card of anyone but `owner`.
fn code_is_free(conn: &Connection, code: &str, owner: Option<UserId>) -> ApiResult<bool> {
    let item: Option<i64> = conn
        .prepare_cached("SELECT id FROM items WHERE barcode = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?;
    let card = find_by_card(conn, code)?;
    Ok(item.is_none() && card.is_none_or(|user| Some(user.id) == owner))
}

/// What the desk keeps of a patron besides their account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatronFields {
    pub full_name: Option<String>,
    pub card_number: Option<Barcode>,
    pub group: Option<String>,
}

/// Replaces the patron's full name, card number and group.
pub fn set_patron(conn: &Connection, id: UserId, fields: &PatronFields) -> ApiResult<()> {
    if let Some(card) = &fields.card_number {
        if !code_is_free(conn, card.as_str(), Some(id))? {
            return Err(AppError::conflict(
                "card_number",
                format!("{card} is already another patron's card or a copy's barcode"),
            ));
        }
    }
    conn.execute(
        "UPDATE users SET full_name = ?2, card_number = ?3, group_name = ?4, modified_at = ?5
         WHERE id = ?1",
        params![
            id,
            fields.full_name,
            fields.card_number.as_ref().map(Barcode::as_str),
            fields.group,
            now()
        ],
    )
    .map_err(|e| unique_violation(e, "card_number", "is already another patron's card"))?;
    Ok(())
}

/// Patrons whose full name, username, card number or group starts with `text` (any
/// letter case), or whose full name has a word starting with it; by name, one page.
pub fn search_patrons(conn: &Connection, text: &str, page: Page) -> ApiResult<(Vec<User>, i64)> {
    let prefix = like_prefix(text);
    let word = format!("% {prefix}");
    let matches = "(full_name LIKE ?1 ESCAPE '\\' OR full_name LIKE ?2 ESCAPE '\\'
        OR username LIKE ?1 ESCAPE '\\' OR card_number LIKE ?1 ESCAPE '\\'
        OR group_name LIKE ?1 ESCAPE '\\')";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM users WHERE {matches}"))?
        .query_row(params![prefix, word], |r| r.get(0))?;
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE {matches}
         ORDER BY COALESCE(full_name, username) COLLATE NOCASE, id LIMIT ?3 OFFSET ?4"
    );
    let users = conn
        .prepare_cached(&sql)?
        .query_map(
            params![prefix, word, page.limit(), page.offset()],
            User::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((users, total))
}

/// Case-insensitive (the column's collation).
pub fn find_by_username(conn: &Connection, username: &str) -> ApiResult<Option<User>> {
    find_where(conn, "username = ?1", &username)
}

pub fn find_by_email(conn: &Connection, email: &str) -> ApiResult<Option<User>> {
    find_where(conn, "email = ?1", &email.trim().to_lowercase())
}

/// Login accepts either an e-mail address or a username.
pub fn find_by_login(conn: &Connection, login: &str) -> ApiResult<Option<User>> {
    if login.contains('@') {
        find_by_email(conn, login)
    } else {
        find_by_username(conn, login.trim())
    }
}

pub fn count(conn: &Connection) -> ApiResult<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// Users whose username starts with `prefix` (any letter case), by id, one page.
pub fn list(conn: &Connection, prefix: Option<&str>, page: Page) -> ApiResult<(Vec<User>, i64)> {
    let pattern = like_prefix(prefix.unwrap_or(""));
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM users WHERE username LIKE ?1 ESCAPE '\\'",
        [&pattern],
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE username LIKE ?1 ESCAPE '\\'
         ORDER BY id LIMIT ?2 OFFSET ?3"
    );
    let users = conn
        .prepare_cached(&sql)?
        .query_map(
            params![pattern, page.limit(), page.offset()],
            User::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((users, total))
}

pub fn set_username(conn: &Connection, id: UserId, username: &Username) -> ApiResult<()> {
    if let Some(other) = find_by_username(conn, username.as_str())? {
        if other.id != id {
            return Err(AppError::conflict("username", "is already taken"));
        }
    }
    conn.execute(
        "UPDATE users SET username = ?2, modified_at = ?3 WHERE id = ?1",
        params![id, username.as_str(), now()],
    )
    .map_err(|e| unique_violation(e, "username", "is already taken"))?;
    Ok(())
}

/// Points the user at a new picture and returns the name of the one it replaces.
pub fn set_image(conn: &Connection, id: UserId, image_file: &str) -> ApiResult<Option<String>> {
    let Some(user) = find(conn, id)? else {
        return Ok(None);
    };
    conn.execute(
        "UPDATE users SET image_file = ?2, modified_at = ?3 WHERE id = ?1",
        params![id, image_file, now()],
    )?;
    Ok(Some(user.image_file))
}

pub fn set_role(conn: &Connection, id: UserId, role: Role) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET role = ?2, modified_at = ?3 WHERE id = ?1",
        params![id, role, now()],
    )?;
    Ok(())
}

/// Stores a new password hash and raises the token version, which voids every token
/// issued before.
pub fn set_password(conn: &Connection, id: UserId, password_hash: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, token_version = token_version + 1, modified_at = ?3
         WHERE id = ?1",
        params![id, password_hash, now()],
    )?;
    Ok(())
}

pub fn count_admins(conn: &Connection) -> ApiResult<i64> {
    Ok(
        conn.query_row("SELECT COUNT(*) FROM users WHERE role = 'admin'", [], |r| {
            r.get(0)
        })?,
    )
}

/// Deletes the user (their reset tokens go with them by cascade).
pub fn delete(conn: &Connection, id: UserId) -> ApiResult<bool> {
    Ok(conn.execute("DELETE FROM users WHERE id = ?1", [id])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        crate::db::open_migrated_in_memory().unwrap()
    }

    fn add(conn: &Connection, name: &str) -> ApiResult<User> {
        insert(
            conn,
            &NewUser {
                email: &Email::parse(&format!("{name}@example.org")).unwrap(),
                username: &Username::parse(name).unwrap(),
                password_hash: "x",
                role: None,
                card_prefix: "P",
            },
        )
    }

    #[test]
    fn first_user_is_admin_and_the_next_a_member() {
        let conn = conn();
        assert_eq!(add(&conn, "ann").unwrap().role, Role::Admin);
        assert_eq!(add(&conn, "bob").unwrap().role, Role::Member);
    }

    #[test]
    fn duplicates_in_any_case_are_conflicts_naming_both_fields() {
        let conn = conn();
        add(&conn, "ann").unwrap();
        match add(&conn, "ANN") {
            Err(AppError::Conflict(errors)) => {
                assert!(errors.contains_key("email") && errors.contains_key("username"))
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[test]
    fn list_matches_a_literal_prefix() {
        let conn = conn();
        for name in ["ann", "anna", "a_b", "axb", "bob"] {
            add(&conn, name).unwrap();
        }
        let page = Page {
            page: 1,
            per_page: 10,
        };
        let (users, total) = list(&conn, Some("AN"), page).unwrap();
        assert_eq!(total, 2);
        assert_eq!(users[0].username, "ann");
        let (_, total) = list(&conn, Some("a_"), page).unwrap();
        assert_eq!(total, 1, "'_' must not act as a wildcard");
    }
}
