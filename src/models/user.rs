//! The users table.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{like_prefix, now, setting, Page};
use crate::db::unique_violation;
use crate::domain::item::Barcode;
use crate::domain::{Email, PatronStatus, Role, UserId, Username};
use crate::error::{ApiResult, AppError, FieldErrors};

/// A stored user. It is not serialisable: what leaves the server is built in `views`,
/// so the password hash cannot leak by accident.
#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub username: String,
    /// None: a pupil without an address (staff manage them; no reset mail).
    pub email: Option<String>,
    /// A bcrypt hash of the password or PIN; None: this person cannot sign in.
    pub password_hash: Option<String>,
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
    pub phone: Option<String>,
    /// Staff's note ("collects for her brother").
    pub note: Option<String>,
    /// YYYY-MM-DD: the card works through that day.
    pub card_expires_on: Option<String>,
    pub status: PatronStatus,
    pub blocked_reason: Option<String>,
    pub erased_at: Option<i64>,
}

pub const DEFAULT_IMAGE: &str = "default.jpg";

/// Every column a user is read from, in the order `User::from_row` reads them.
const COLUMNS: &str = "id, username, email, password_hash, image_file, role, token_version,
    created_at, modified_at, token_key, full_name, card_number, group_name, phone, note,
    card_expires_on, status, blocked_reason, erased_at";

impl User {
    /// A row of `COLUMNS`, read by position: by name, each value was a search through
    /// the statement's column names, a tenth of the time `GET /users/{id}` spent.
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
            phone: row.get(13)?,
            note: row.get(14)?,
            card_expires_on: row.get(15)?,
            status: row.get(16)?,
            blocked_reason: row.get(17)?,
            erased_at: row.get(18)?,
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

    /// Whether this person can sign in now: a secret set, and a status that lets them.
    pub fn can_sign_in(&self) -> bool {
        self.password_hash.is_some() && self.status.may_sign_in()
    }

    pub fn is_staff(&self) -> bool {
        self.role >= Role::Librarian
    }
}

impl ToSql for PatronStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for PatronStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        PatronStatus::parse(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
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
    pub email: Option<&'a Email>,
    pub username: &'a Username,
    pub password_hash: Option<&'a str>,
    /// None: admin when the database has no user yet, member otherwise.
    pub role: Option<Role>,
    /// The prefix of the card number the new user is given (`card_prefix`).
    pub card_prefix: &'a str,
    pub status: PatronStatus,
}

/// Inserts a user. Call inside a write transaction so that the uniqueness checks and
/// "first user becomes admin" cannot race another registration.
pub fn insert(conn: &Connection, new: &NewUser) -> ApiResult<User> {
    let mut taken = FieldErrors::new();
    if let Some(email) = new.email {
        if find_by_email(conn, email.as_str())?.is_some() {
            taken.insert("email".into(), "is already registered".into());
        }
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
                            card_number, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
        params![
            new.username.as_str(),
            new.email.map(Email::as_str),
            new.password_hash,
            role,
            at,
            card.as_str(),
            new.status,
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

/// What staff keep of a patron besides their account, as it is to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatronRecord {
    pub full_name: Option<String>,
    pub card_number: Option<String>,
    pub group: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub card_expires_on: Option<String>,
    pub status: PatronStatus,
    pub blocked_reason: Option<String>,
}

/// Stores the patron's record. A card number must be no one else's and no copy's
/// barcode; an e-mail address no one else's.
pub fn save_patron(conn: &Connection, id: UserId, record: &PatronRecord) -> ApiResult<()> {
    if let Some(card) = &record.card_number {
        if !code_is_free(conn, card, Some(id))? {
            return Err(AppError::conflict(
                "card_number",
                format!("{card} is already another patron's card or a copy's barcode"),
            ));
        }
    }
    if let Some(email) = &record.email {
        if find_by_email(conn, email)?.is_some_and(|other| other.id != id) {
            return Err(AppError::conflict("email", "is already registered"));
        }
    }
    conn.execute(
        "UPDATE users SET full_name = ?2, card_number = ?3, group_name = ?4, email = ?5,
                          phone = ?6, note = ?7, card_expires_on = ?8, status = ?9,
                          blocked_reason = ?10, modified_at = ?11
         WHERE id = ?1",
        params![
            id,
            record.full_name,
            record.card_number,
            record.group,
            record.email,
            record.phone,
            record.note,
            record.card_expires_on,
            record.status,
            record.blocked_reason,
            now()
        ],
    )
    .map_err(|e| unique_violation(e, "card_number", "is already another patron's card"))?;
    Ok(())
}

/// A free username made from a full name: "Ana Lima" → "ana.lima", then "ana.lima2"…
pub fn free_username(conn: &Connection, full_name: &str) -> ApiResult<Username> {
    let words: Vec<String> = full_name
        .split_whitespace()
        .map(|word| {
            word.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect();
    let mut base: String = words.join(".").chars().take(26).collect();
    if base.len() < 3 {
        base = format!("reader{base}");
    }
    for n in 1..10_000 {
        let name = match n {
            1 => base.clone(),
            _ => format!("{base}{n}"),
        };
        if find_by_username(conn, &name)?.is_none() {
            return Username::parse(&name).map_err(|e| AppError::Internal(e.to_string()));
        }
    }
    Err(AppError::Internal("no free username".into()))
}

/// Makes a member account for a patron staff add: no e-mail, no way to sign in yet.
pub fn insert_patron(conn: &Connection, username: &Username, card_prefix: &str) -> ApiResult<User> {
    insert(
        conn,
        &NewUser {
            email: None,
            username,
            password_hash: None,
            role: Some(Role::Member),
            card_prefix,
            status: PatronStatus::Active,
        },
    )
}

/// Erases what identifies the person: names, addresses, card, group, note, picture and
/// sign-in; the account stays (as `erased-<id>`, left) so loan counts keep their rows.
pub fn erase(conn: &Connection, id: UserId) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET username = 'erased-' || id, email = NULL, password_hash = NULL,
                          image_file = ?2, full_name = NULL, card_number = NULL,
                          group_name = NULL, phone = NULL, note = NULL, card_expires_on = NULL,
                          status = 'left', blocked_reason = NULL, erased_at = ?3,
                          modified_at = ?3, token_version = token_version + 1
         WHERE id = ?1",
        params![id, DEFAULT_IMAGE, now()],
    )?;
    Ok(())
}

/// Sets the status alone (a person leaves; a registration is approved).
pub fn set_status(conn: &Connection, id: UserId, status: PatronStatus) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET status = ?2, blocked_reason = NULL, modified_at = ?3 WHERE id = ?1",
        params![id, status, now()],
    )?;
    Ok(())
}

/// What the patron list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct PatronFilter {
    pub text: Option<String>,
    pub group: Option<String>,
    pub status: Option<PatronStatus>,
}

/// Patrons matching the filter, by name, one page: `text` as `search_patrons` reads it,
/// `group` exactly (any letter case).
pub fn list_patrons(
    conn: &Connection,
    filter: &PatronFilter,
    page: Page,
) -> ApiResult<(Vec<User>, i64)> {
    let prefix = filter.text.as_deref().map(like_prefix);
    let word = prefix.as_ref().map(|p| format!("% {p}"));
    let matches = "(?1 IS NULL OR full_name LIKE ?1 ESCAPE '\\' OR full_name LIKE ?2 ESCAPE '\\'
        OR username LIKE ?1 ESCAPE '\\' OR card_number LIKE ?1 ESCAPE '\\'
        OR group_name LIKE ?1 ESCAPE '\\')
        AND (?3 IS NULL OR group_name = ?3 COLLATE NOCASE) AND (?4 IS NULL OR status = ?4)";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM users WHERE {matches}"))?
        .query_row(params![prefix, word, filter.group, filter.status], |r| {
            r.get(0)
        })?;
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE {matches}
         ORDER BY COALESCE(full_name, username) COLLATE NOCASE, id LIMIT ?5 OFFSET ?6"
    );
    let users = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                prefix,
                word,
                filter.group,
                filter.status,
                page.limit(),
                page.offset()
            ],
            User::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((users, total))
}

/// The members (not staff) in a group (any letter case), by name.
pub fn members_in_group(conn: &Connection, group: &str) -> ApiResult<Vec<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE group_name = ?1 COLLATE NOCASE AND role = 'member'
         ORDER BY COALESCE(full_name, username) COLLATE NOCASE, id"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map([group], User::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A member of that full name in that group (any letter case), the oldest account first.
pub fn find_member_by_name_in_group(
    conn: &Connection,
    full_name: &str,
    group: Option<&str>,
) -> ApiResult<Option<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE full_name = ?1 COLLATE NOCASE
         AND group_name IS ?2 COLLATE NOCASE AND erased_at IS NULL AND role = 'member'
         ORDER BY id LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![full_name, group], User::from_row)
        .optional()?)
}

/// Case-insensitive (the column's collation).
pub fn find_by_username(conn: &Connection, username: &str) -> ApiResult<Option<User>> {
    find_where(conn, "username = ?1", &username)
}

pub fn find_by_email(conn: &Connection, email: &str) -> ApiResult<Option<User>> {
    find_where(conn, "email = ?1", &email.trim().to_lowercase())
}

/// Login accepts an e-mail address, a card number (a pupil's way in) or a username.
pub fn find_by_login(conn: &Connection, login: &str) -> ApiResult<Option<User>> {
    if login.contains('@') {
        return find_by_email(conn, login);
    }
    // The card first: a username cannot be made to shadow a pupil's card.
    match find_by_card(conn, login)? {
        Some(user) => Ok(Some(user)),
        None => find_by_username(conn, login.trim()),
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
/// None removes the secret: the person can no longer sign in.
pub fn set_password(conn: &Connection, id: UserId, password_hash: Option<&str>) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, token_version = token_version + 1, modified_at = ?3
         WHERE id = ?1",
        params![id, password_hash, now()],
    )?;
    Ok(())
}

/// Whether `target` is the last admin who can sign in: demoting, deleting, erasing or
/// deactivating them would leave the library without one. Admins who left, wait for
/// approval or were erased do not count.
pub fn is_last_admin(conn: &Connection, target: &User) -> ApiResult<bool> {
    if target.role != Role::Admin || !target.status.may_sign_in() || target.erased_at.is_some() {
        return Ok(false);
    }
    let working: i64 = conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status IN ('active', 'blocked')
         AND erased_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(working <= 1)
}

/// Deletes the user (their reset tokens go with them by cascade).
pub fn delete(conn: &Connection, id: UserId) -> ApiResult<bool> {
    Ok(conn.execute("DELETE FROM users WHERE id = ?1", [id])? > 0)
}

/// Whether the member chose to keep a reading history (migration 011).
pub fn keeps_history(conn: &Connection, id: UserId) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached("SELECT keeps_history FROM users WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?
        .unwrap_or(false))
}

pub fn set_keeps_history(conn: &Connection, id: UserId, keep: bool) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET keeps_history = ?2, modified_at = ?3 WHERE id = ?1",
        params![id, keep, now()],
    )?;
    Ok(())
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
                email: Some(&Email::parse(&format!("{name}@example.org")).unwrap()),
                username: &Username::parse(name).unwrap(),
                password_hash: Some("x"),
                role: None,
                card_prefix: "P",
                status: PatronStatus::Active,
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
