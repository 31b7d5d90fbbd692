//! Notices and the events they tell of (migration 013), and the library's own wording of
//! them.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::domain::UserId;
use crate::error::ApiResult;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = NoticeKind)]
pub enum Kind {
    /// A loan is due in a few days.
    DueSoon,
    /// A loan is overdue (a first reminder, then more, as the settings say).
    Overdue,
    /// A held book waits on the hold shelf.
    HoldReady,
    /// A ready hold lapses tomorrow.
    HoldLapsing,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::DueSoon,
        Kind::Overdue,
        Kind::HoldReady,
        Kind::HoldLapsing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DueSoon => "due_soon",
            Kind::Overdue => "overdue",
            Kind::HoldReady => "hold_ready",
            Kind::HoldLapsing => "hold_lapsing",
        }
    }

    pub fn parse(raw: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| "must be one of due_soon, overdue, hold_ready, hold_lapsing".into())
    }
}

/// A language notices are shipped in (for the document; the server checks the text).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLanguage {
    En,
    De,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = NoticeChannel)]
pub enum Channel {
    /// By e-mail (SMTP, or the outbox folder without a mail server).
    Mail,
    /// On paper: the reader has no e-mail address; staff print it for their group.
    Slip,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Mail => "mail",
            Channel::Slip => "slip",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = NoticeStatus)]
pub enum Status {
    /// A mail waiting for its (next) attempt, or a slip not yet printed.
    Pending,
    /// Handed to the mail server (or written to the outbox).
    Sent,
    /// A slip staff have printed.
    Printed,
    /// Every attempt failed; staff may send it again.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Printed => "printed",
            Status::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Status, String> {
        [
            Status::Pending,
            Status::Sent,
            Status::Printed,
            Status::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
        .ok_or_else(|| "must be one of pending, sent, printed, failed".into())
    }
}

/// A notice as the send log shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: i64,
    pub kind: Kind,
    /// null once the reader's data is erased.
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<UserId>,
    /// The reader's full name (else username) now; null once erased.
    pub reader: Option<String>,
    pub channel: Channel,
    /// The address it goes to (null for a slip).
    pub recipient: Option<String>,
    /// The reader's group, where a slip is handed out.
    pub group: Option<String>,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub status: Status,
    pub attempts: i64,
    /// When the next attempt is due (a pending mail).
    pub next_attempt_at: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, user_id, channel, recipient, group_name, language, subject, \
                       body, status, attempts, next_attempt_at, last_error, created_at, sent_at, \
                       (SELECT COALESCE(u.full_name, u.username) FROM users u \
                        WHERE u.id = notices.user_id AND u.erased_at IS NULL)";

impl Notice {
    fn from_row(row: &Row) -> rusqlite::Result<Notice> {
        let text = |i: usize| row.get::<_, String>(i);
        let bad = |i: usize, e: String| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        };
        Ok(Notice {
            id: row.get(0)?,
            kind: Kind::parse(&text(1)?).map_err(|e| bad(1, e))?,
            user_id: row.get(2)?,
            channel: if text(3)? == "slip" {
                Channel::Slip
            } else {
                Channel::Mail
            },
            recipient: row.get(4)?,
            group: row.get(5)?,
            language: text(6)?,
            subject: text(7)?,
            body: text(8)?,
            status: Status::parse(&text(9)?).map_err(|e| bad(9, e))?,
            attempts: row.get(10)?,
            next_attempt_at: row.get(11)?,
            last_error: row.get(12)?,
            created_at: row.get(13)?,
            sent_at: row.get(14)?,
            reader: row.get(15)?,
        })
    }
}

/// A notice about to be recorded, with the events it tells of.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub kind: Kind,
    pub user_id: UserId,
    pub channel: Channel,
    pub recipient: Option<String>,
    pub group: Option<String>,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub events: Vec<String>,
}

/// Which of `events` a notice already tells of.
pub fn recorded(conn: &Connection, event: &str) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM notice_events WHERE event = ?1)")?
        .query_row([event], |r| r.get(0))?)
}

/// Records the notice and its events, unless one of its events is recorded already (a
/// run racing this one got there first): then nothing, and None.
pub fn record(conn: &Connection, notice: &NewNotice, now: i64) -> ApiResult<Option<i64>> {
    for event in &notice.events {
        if recorded(conn, event)? {
            return Ok(None);
        }
    }
    conn.prepare_cached(
        "INSERT INTO notices (kind, user_id, channel, recipient, group_name, language, subject,
                              body, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        notice.kind.as_str(),
        notice.user_id,
        notice.channel.as_str(),
        notice.recipient,
        notice.group,
        notice.language,
        notice.subject,
        notice.body,
        now
    ])?;
    let id = conn.last_insert_rowid();
    let mut insert =
        conn.prepare_cached("INSERT INTO notice_events (event, notice_id) VALUES (?1, ?2)")?;
    for event in &notice.events {
        insert.execute(params![event, id])?;
    }
    Ok(Some(id))
}

pub fn find(conn: &Connection, id: i64) -> ApiResult<Option<Notice>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM notices WHERE id = ?1"))?
        .query_row([id], Notice::from_row)
        .optional()?)
}

/// Mails whose next attempt is due at `now`, oldest first.
pub fn due_mails(conn: &Connection, now: i64, limit: i64) -> ApiResult<Vec<Notice>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notices
             WHERE status = 'pending' AND channel = 'mail' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2"
        ))?
        .query_map(params![now, limit], Notice::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The mail was handed over.
pub fn mark_sent(conn: &Connection, id: i64, now: i64) -> ApiResult<()> {
    conn.prepare_cached(
        "UPDATE notices SET status = 'sent', sent_at = ?2, attempts = attempts + 1,
                            next_attempt_at = NULL, last_error = NULL
         WHERE id = ?1 AND status = 'pending'",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// An attempt failed: try again at `retry_at`, or give up (`failed`) when None.
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
) -> ApiResult<()> {
    conn.prepare_cached(
        "UPDATE notices SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
                            status = CASE WHEN ?3 IS NULL THEN 'failed' ELSE status END
         WHERE id = ?1 AND status = 'pending'",
    )?
    .execute(params![id, error, retry_at])?;
    Ok(())
}

/// A failed (or pending) mail goes out at the next chance; false if it is no such mail.
pub fn send_again(conn: &Connection, id: i64, now: i64) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE notices SET status = 'pending', next_attempt_at = ?2
             WHERE id = ?1 AND channel = 'mail' AND status IN ('failed', 'pending')",
        )?
        .execute(params![id, now])?
        > 0)
}

/// Slips not yet printed, by group then reader; of one group when `group` is Some.
pub fn pending_slips(conn: &Connection, group: Option<&str>) -> ApiResult<Vec<Notice>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notices
             WHERE status = 'pending' AND channel = 'slip'
               AND (?1 IS NULL OR group_name = ?1 COLLATE NOCASE)
             ORDER BY group_name COLLATE NOCASE, user_id, id"
        ))?
        .query_map([group], Notice::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Marks slips printed: these ids, if still pending slips. Returns how many.
pub fn mark_printed(conn: &Connection, ids: &[i64], now: i64) -> ApiResult<usize> {
    let mut update = conn.prepare_cached(
        "UPDATE notices SET status = 'printed', sent_at = ?2
         WHERE id = ?1 AND status = 'pending' AND channel = 'slip'",
    )?;
    let mut count = 0;
    for id in ids {
        count += update.execute(params![id, now])?;
    }
    Ok(count)
}

/// What the send log may be narrowed to.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub user_id: Option<UserId>,
    pub channel: Option<Channel>,
    /// Created at or after (Unix time).
    pub from: Option<i64>,
    /// Created before (Unix time).
    pub to: Option<i64>,
}

/// The send log, newest first, and how many match.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<Notice>, i64)> {
    let condition = "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2)
                     AND (?3 IS NULL OR user_id = ?3) AND (?4 IS NULL OR channel = ?4)
                     AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6)";
    let values = params![
        filter.status.map(Status::as_str),
        filter.kind.map(Kind::as_str),
        filter.user_id,
        filter.channel.map(Channel::as_str),
        filter.from,
        filter.to,
    ];
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM notices WHERE {condition}"))?
        .query_row(values, |r| r.get(0))?;
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notices WHERE {condition} ORDER BY id DESC LIMIT ?7 OFFSET ?8"
        ))?
        .query_map(
            params![
                filter.status.map(Status::as_str),
                filter.kind.map(Kind::as_str),
                filter.user_id,
                filter.channel.map(Channel::as_str),
                filter.from,
                filter.to,
                limit,
                offset
            ],
            Notice::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

/// A library's own wording of one kind in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub subject: String,
    pub body: String,
}

pub fn wording(conn: &Connection, kind: Kind, language: &str) -> ApiResult<Option<Wording>> {
    Ok(conn
        .prepare_cached(
            "SELECT subject, body FROM notice_templates WHERE kind = ?1 AND language = ?2",
        )?
        .query_row(params![kind.as_str(), language], |r| {
            Ok(Wording {
                subject: r.get(0)?,
                body: r.get(1)?,
            })
        })
        .optional()?)
}

pub fn set_wording(
    conn: &Connection,
    kind: Kind,
    language: &str,
    wording: &Wording,
    now: i64,
) -> ApiResult<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO notice_templates (kind, language, subject, body, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        kind.as_str(),
        language,
        wording.subject,
        wording.body,
        now
    ])?;
    Ok(())
}

/// Back to the shipped wording; false if the library had none of its own.
pub fn forget_wording(conn: &Connection, kind: Kind, language: &str) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM notice_templates WHERE kind = ?1 AND language = ?2")?
        .execute(params![kind.as_str(), language])?
        > 0)
}

/// A reader as a notice addresses them.
#[derive(Debug, Clone, Serialize)]
pub struct Reader {
    pub id: UserId,
    /// Full name, else username.
    pub name: String,
    pub email: Option<String>,
    pub group: Option<String>,
}

/// The columns `Reader::at` reads, of `users u`.
const READER: &str = "u.id, COALESCE(u.full_name, u.username), u.email, u.group_name";

impl Reader {
    /// The reader in `READER`'s four columns from column `first` on.
    fn at(row: &Row, first: usize) -> rusqlite::Result<Reader> {
        Ok(Reader {
            id: row.get(first)?,
            name: row.get(first + 1)?,
            email: row.get(first + 2)?,
            group: row.get(first + 3)?,
        })
    }
}

/// Readers by id, from `first` to `last`: a run goes through the library a range at a
/// time, so what it holds in memory stays small however many readers there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readers {
    pub first: i64,
    pub last: i64,
}

impl Readers {
    pub fn one(id: UserId) -> Readers {
        Readers {
            first: id.get(),
            last: id.get(),
        }
    }
}

/// The highest user id (0 when there is none).
pub fn last_reader(conn: &Connection) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM users")?
        .query_row([], |r| r.get(0))?)
}

/// Some reader with a loan out, for a preview.
pub fn a_reader_with_a_loan(conn: &Connection) -> ApiResult<Option<UserId>> {
    Ok(conn
        .prepare_cached(
            "SELECT l.user_id FROM loans l JOIN users u ON u.id = l.user_id
             WHERE l.returned_at IS NULL AND u.erased_at IS NULL ORDER BY l.id LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// A loan still out, with what a notice says of it.
#[derive(Debug, Clone)]
pub struct OutLoan {
    pub loan_id: i64,
    pub reader: Reader,
    pub due_at: i64,
    pub title: String,
    pub author: String,
    pub barcode: Option<String>,
}

/// Loans out and due before `before`, of the `readers` whose data is kept, by reader.
pub fn loans_due_before(
    conn: &Connection,
    before: i64,
    readers: Readers,
) -> ApiResult<Vec<OutLoan>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT l.id, {READER}, l.due_at, b.title, b.author, i.barcode
             FROM loans l
             JOIN users u ON u.id = l.user_id
             JOIN books b ON b.id = l.book_id
             LEFT JOIN items i ON i.id = l.item_id
             WHERE l.returned_at IS NULL AND l.due_at < ?1 AND u.erased_at IS NULL
               AND l.user_id BETWEEN ?2 AND ?3
             ORDER BY u.id, l.due_at, l.id"
        ))?
        .query_map(params![before, readers.first, readers.last], |r| {
            Ok(OutLoan {
                loan_id: r.get(0)?,
                reader: Reader::at(r, 1)?,
                due_at: r.get(5)?,
                title: r.get(6)?,
                author: r.get(7)?,
                barcode: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A hold ready on the hold shelf.
#[derive(Debug, Clone)]
pub struct ReadyHold {
    pub hold_id: i64,
    pub reader: Reader,
    pub ready_until: i64,
    pub title: String,
    pub author: String,
}

/// Ready holds that have not lapsed at `now`, of the `readers`, by reader.
pub fn ready_holds(conn: &Connection, now: i64, readers: Readers) -> ApiResult<Vec<ReadyHold>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT h.id, {READER}, h.ready_until, b.title, b.author
             FROM holds h
             JOIN users u ON u.id = h.user_id
             JOIN books b ON b.id = h.book_id
             WHERE h.status = 'ready' AND h.ready_until > ?1 AND u.erased_at IS NULL
               AND h.user_id BETWEEN ?2 AND ?3
             ORDER BY u.id, h.ready_until, h.id"
        ))?
        .query_map(params![now, readers.first, readers.last], |r| {
            Ok(ReadyHold {
                hold_id: r.get(0)?,
                reader: Reader::at(r, 1)?,
                ready_until: r.get(5)?,
                title: r.get(6)?,
                author: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// When and how the library sends notices, and its daily backup (kept in `settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = NoticeSettings)]
pub struct Settings {
    /// Whether the daily run sends notices at all.
    pub enabled: bool,
    /// The hour of the day (UTC, 0–23) of the daily run.
    #[schema(minimum = 0, maximum = 23)]
    pub hour: i64,
    /// The language of notices: one of the template languages.
    #[schema(value_type = NoticeLanguage)]
    pub language: String,
    /// How notices sign: the library's name.
    #[schema(max_length = 100, example = "Riverside School Library")]
    pub library_name: String,
    /// Days before the due date that "due soon" goes out; 0: never.
    #[schema(minimum = 0, maximum = 30)]
    pub due_soon_days: i64,
    /// Open days after the due date that the first overdue reminder goes out.
    #[schema(minimum = 1, maximum = 90)]
    pub overdue_first_days: i64,
    /// Open days between overdue reminders.
    #[schema(minimum = 1, maximum = 90)]
    pub overdue_every_days: i64,
    /// The most overdue reminders a loan gets; 0: none.
    #[schema(minimum = 0, maximum = 10)]
    pub overdue_reminders: i64,
    /// Whether the daily run also backs the database up (into `<data_dir>/backups`).
    pub daily_backup: bool,
    /// How many daily backups are kept (the oldest go).
    #[schema(minimum = 1, maximum = 365)]
    pub backups_kept: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: true,
            hour: 7,
            language: "en".into(),
            library_name: "Your library".into(),
            due_soon_days: 2,
            overdue_first_days: 1,
            overdue_every_days: 7,
            overdue_reminders: 3,
            daily_backup: true,
            backups_kept: 7,
        }
    }
}

/// Each number setting's key and range.
pub const RANGES: [(&str, i64, i64); 6] = [
    ("hour", 0, 23),
    ("due_soon_days", 0, 30),
    ("overdue_first_days", 1, 90),
    ("overdue_every_days", 1, 90),
    ("overdue_reminders", 0, 10),
    ("backups_kept", 1, 365),
];

fn key(name: &str) -> String {
    format!("notices.{name}")
}

pub fn settings(conn: &Connection) -> ApiResult<Settings> {
    let defaults = Settings::default();
    let number = |name: &str, default: i64| -> ApiResult<i64> {
        let (_, low, high) = RANGES
            .iter()
            .find(|(n, _, _)| *n == name)
            .copied()
            .unwrap_or((name, i64::MIN, i64::MAX));
        Ok(super::setting::get(conn, &key(name))?
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| (low..=high).contains(v))
            .unwrap_or(default))
    };
    let flag = |name: &str, default: bool| -> ApiResult<bool> {
        Ok(super::setting::get(conn, &key(name))?
            .map(|v| v == "true")
            .unwrap_or(default))
    };
    Ok(Settings {
        enabled: flag("enabled", defaults.enabled)?,
        hour: number("hour", defaults.hour)?,
        language: super::setting::get(conn, &key("language"))?.unwrap_or(defaults.language),
        library_name: super::setting::get(conn, &key("library_name"))?
            .unwrap_or(defaults.library_name),
        due_soon_days: number("due_soon_days", defaults.due_soon_days)?,
        overdue_first_days: number("overdue_first_days", defaults.overdue_first_days)?,
        overdue_every_days: number("overdue_every_days", defaults.overdue_every_days)?,
        overdue_reminders: number("overdue_reminders", defaults.overdue_reminders)?,
        daily_backup: flag("daily_backup", defaults.daily_backup)?,
        backups_kept: number("backups_kept", defaults.backups_kept)?,
    })
}

pub fn save_settings(conn: &Connection, settings: &Settings) -> ApiResult<()> {
    let set = |name: &str, value: String| super::setting::set(conn, &key(name), &value);
    set("enabled", settings.enabled.to_string())?;
    set("hour", settings.hour.to_string())?;
    set("language", settings.language.clone())?;
    set("library_name", settings.library_name.clone())?;
    set("due_soon_days", settings.due_soon_days.to_string())?;
    set(
        "overdue_first_days",
        settings.overdue_first_days.to_string(),
    )?;
    set(
        "overdue_every_days",
        settings.overdue_every_days.to_string(),
    )?;
    set("overdue_reminders", settings.overdue_reminders.to_string())?;
    set("daily_backup", settings.daily_backup.to_string())?;
    set("backups_kept", settings.backups_kept.to_string())?;
    Ok(())
}

/// The last day (YYYY-MM-DD) a daily job (`notices` or `backup`) ran, if ever.
pub fn last_run(conn: &Connection, job: &str) -> ApiResult<Option<String>> {
    super::setting::get(conn, &key(&format!("last_{job}")))
}

pub fn set_last_run(conn: &Connection, job: &str, day: &str) -> ApiResult<()> {
    super::setting::set(conn, &key(&format!("last_{job}")), day)
}

/// A reader whose data is kept, as notices address them.
pub fn reader(conn: &Connection, id: UserId) -> ApiResult<Option<Reader>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {READER} FROM users u WHERE u.id = ?1 AND u.erased_at IS NULL"
        ))?
        .query_row([id], |r| Reader::at(r, 0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(events: &[&str]) -> NewNotice {
        NewNotice {
            kind: Kind::Overdue,
            user_id: UserId::new(1),
            channel: Channel::Mail,
            recipient: Some("ann@example.org".into()),
            group: None,
            language: "en".into(),
            subject: "s".into(),
            body: "b".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
        }
    }

    /// Two runs that planned the same event before either recorded it: the second one's
    /// notice is dropped whole, even when it also tells of a new event (that event waits
    /// for the next run, which plans it alone).
    #[test]
    fn an_event_recorded_once_keeps_a_second_notice_out() {
        let conn = crate::db::open_migrated_in_memory().unwrap();
        conn.execute(
            "INSERT INTO users (username, created_at, modified_at) VALUES ('ann', 0, 0)",
            [],
        )
        .unwrap();
        assert!(record(&conn, &planned(&["overdue:1:1"]), 0)
            .unwrap()
            .is_some());
        assert!(record(&conn, &planned(&["overdue:1:1", "overdue:2:1"]), 0)
            .unwrap()
            .is_none());
        assert!(recorded(&conn, "overdue:1:1").unwrap());
        assert!(!recorded(&conn, "overdue:2:1").unwrap());
        let count: i64 = conn
            .query_row("SELECT COUNT(*) FROM notices", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 1);
    }
}
