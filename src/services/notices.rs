//! Notices: the library tells readers before a book is due, when it is overdue, when a
//! held book waits and the day before it lapses, without anyone remembering to.
//!
//! A run first works out, reading only, which events have happened as of a day and are
//! not yet told (`plan`), groups them by reader and kind, and renders each reader's
//! notice. It then records the notices, a few hundred a write, each with its events under
//! their unique keys: an event some other run recorded meanwhile drops its notice, so each
//! event yields one notice across restarts and racing runs. Mails are sent after they are
//! recorded (`deliver`): at least once, under a Message-ID made from the notice's id, with
//! retries that wait longer each time and end, after `MAX_ATTEMPTS`, as `failed` in the
//! send log. Readers without an e-mail address get a slip staff print for their group.
//!
//! The scheduler (`fairing`) looks once a minute: hold-ready notices go out at once; the
//! daily run (due soon, overdue, hold lapsing, and the daily backup) runs at the library's
//! hour, and on start-up when the day's run was missed.

pub mod wording;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket::tokio::time::{interval, MissedTickBehavior};
use rusqlite::Connection;
use serde::Serialize;

use crate::config::{Config, PublicUrl};
use crate::db::Db;
use crate::domain::calendar::{Calendar, Day};
use crate::domain::UserId;
use crate::error::{ApiResult, AppError};
use crate::mail::Mailer;
use crate::models::notice::{self, Channel, Kind, NewNotice, Notice, Reader, Readers, Settings};
use crate::models::{calendar, now, setting};
use wording::{Context, HoldLine, LoanLine};

/// Attempts at a mail before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 6;

/// Notices recorded in one write: the other writers wait for one such batch at most.
const NOTICES_A_WRITE: usize = 200;

/// Mails `deliver` sends before it records how they went.
const MAILS_A_GO: i64 = 64;

/// Mails sent at the same time, each on its own connection to the mail server.
const SENDERS: usize = 8;

/// How often the scheduler looks.
const EVERY: Duration = Duration::from_secs(60);

/// What a run did.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    /// The day the run was for (YYYY-MM-DD).
    pub day: String,
    /// Notices recorded (mails and slips).
    pub created: usize,
    /// Of them, slips to print.
    pub slips: usize,
    /// Mails handed to the mail server or the outbox in this run (earlier ones due for
    /// another attempt included).
    pub sent: usize,
    /// Mails whose attempt failed in this run (they are tried again later, or are
    /// `failed` after the last attempt).
    pub failed: usize,
}

/// Which notices a run looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything as of the day: due soon, overdue, hold ready, hold lapsing.
    Daily,
    /// Only ready holds (told at once, each minute).
    HoldsReady,
}

/// Everything a run needs to word a notice.
#[derive(Debug, Clone)]
pub struct Setup {
    pub settings: Settings,
    pub calendar: Calendar,
    pub patron_page: String,
}

impl Setup {
    pub fn load(conn: &Connection, patron_page: &str) -> ApiResult<Setup> {
        Ok(Setup {
            settings: notice::settings(conn)?,
            calendar: calendar::load(conn)?,
            patron_page: patron_page.to_string(),
        })
    }
}

/// Events of one reader and kind, and what to say of them.
struct Group {
    reader: Reader,
    events: Vec<String>,
    loans: Vec<LoanLine>,
    holds: Vec<HoldLine>,
    reminder: i64,
}

/// Puts an event not yet recorded into its reader's group of `kind`; None if recorded.
fn add_event<'g>(
    conn: &Connection,
    groups: &'g mut BTreeMap<(UserId, Kind), Group>,
    kind: Kind,
    reader: &Reader,
    event: String,
) -> ApiResult<Option<&'g mut Group>> {
    if notice::recorded(conn, &event)? {
        return Ok(None);
    }
    let group = groups.entry((reader.id, kind)).or_insert_with(|| Group {
        reader: reader.clone(),
        events: Vec::new(),
        loans: Vec::new(),
        holds: Vec::new(),
        reminder: 0,
    });
    group.events.push(event);
    Ok(Some(group))
}

/// The notices due as of `today` (at `now`) for the `readers`, not yet recorded:
/// read-only. `one_reader`: staff asked for one patron ("send now"), which goes ahead
/// even while notices are switched off.
pub fn plan(
    conn: &Connection,
    setup: &Setup,
    today: Day,
    now: i64,
    scope: Scope,
    readers: Readers,
    one_reader: bool,
) -> ApiResult<Vec<NewNotice>> {
    let settings = &setup.settings;
    let mut groups: BTreeMap<(UserId, Kind), Group> = BTreeMap::new();
    if scope == Scope::Daily {
        let horizon = today.plus(settings.due_soon_days + 1).start();
        let overdue_today = settings.overdue_reminders > 0 && setup.calendar.is_open(today);
        for loan in notice::loans_due_before(conn, horizon, readers)? {
            let due = Day::of(loan.due_at);
            let ahead = today.until(due);
            let line = |days_late| LoanLine {
                title: loan.title.clone(),
                author: loan.author.clone(),
                barcode: loan.barcode.clone(),
                due_date: due.to_string(),
                days_late,
            };
            if (1..=settings.due_soon_days).contains(&ahead) {
                let event = format!("due_soon:{}:{}", loan.loan_id, loan.due_at);
                if let Some(group) =
                    add_event(conn, &mut groups, Kind::DueSoon, &loan.reader, event)?
                {
                    group.loans.push(line(0));
                }
            } else if ahead < 0 && overdue_today {
                let late = setup.calendar.open_days_late(due, today);
                if late < settings.overdue_first_days {
                    continue;
                }
                let reminder = (1
                    + (late - settings.overdue_first_days) / settings.overdue_every_days)
                    .min(settings.overdue_reminders);
                let event = format!("overdue:{}:{reminder}", loan.loan_id);
                if let Some(group) =
                    add_event(conn, &mut groups, Kind::Overdue, &loan.reader, event)?
                {
                    group.loans.push(line(late));
                    group.reminder = group.reminder.max(reminder);
                }
            }
        }
    }
    for hold in notice::ready_holds(conn, now, readers)? {
        let until = Day::of(hold.ready_until);
        let line = HoldLine {
            title: hold.title.clone(),
            author: hold.author.clone(),
            ready_until: until.to_string(),
        };
        let event = format!("hold_ready:{}:{}", hold.hold_id, hold.ready_until);
        if let Some(group) = add_event(conn, &mut groups, Kind::HoldReady, &hold.reader, event)? {
            group.holds.push(line.clone());
        }
        if scope == Scope::Daily && today.until(until) <= 1 {
            let event = format!("hold_lapsing:{}:{}", hold.hold_id, hold.ready_until);
            if let Some(group) =
                add_event(conn, &mut groups, Kind::HoldLapsing, &hold.reader, event)?
            {
                group.holds.push(line);
            }
        }
    }
    let mut wordings = BTreeMap::new();
    let mut notices = Vec::with_capacity(groups.len());
    for ((_, kind), group) in groups {
        if !settings.enabled && !one_reader {
            continue;
        }
        let own = match wordings.get(&kind) {
            Some(own) => Option::clone(own),
            None => {
                let own = notice::wording(conn, kind, &settings.language)?;
                wordings.insert(kind, own.clone());
                own
            }
        };
        notices.push(word(setup, kind, group, own));
    }
    Ok(notices)
}

/// Renders a group's notice in the library's wording, or the shipped one if the
/// library's fails on this reader's data.
fn word(setup: &Setup, kind: Kind, group: Group, own: Option<notice::Wording>) -> NewNotice {
    let settings = &setup.settings;
    let context = Context::new(
        group.reader.name.clone(),
        settings.library_name.clone(),
        &setup.patron_page,
        group.loans,
        group.holds,
        (kind == Kind::Overdue).then_some(group.reminder),
    );
    let shipped = || wording::shipped(kind, &settings.language);
    let rendered = match own.map(|own| wording::render(&own, &context)) {
        Some(Ok(rendered)) => rendered,
        Some(Err((part, why))) => {
            tracing::warn!(
                kind = kind.as_str(),
                part,
                why,
                "the library's notice template failed; the shipped one is used"
            );
            wording::render(&shipped(), &context).unwrap_or_else(|_| fallback(&context))
        }
        None => wording::render(&shipped(), &context).unwrap_or_else(|_| fallback(&context)),
    };
    let channel = match group.reader.email {
        Some(_) => Channel::Mail,
        None => Channel::Slip,
    };
    NewNotice {
        kind,
        user_id: group.reader.id,
        channel,
        recipient: group.reader.email,
        group: group.reader.group,
        language: settings.language.clone(),
        subject: rendered.subject,
        body: rendered.body,
        events: group.events,
    }
}

/// Words that cannot fail, should even a shipped template.
fn fallback(context: &Context) -> wording::Rendered {
    wording::Rendered {
        subject: context.titles.clone(),
        body: format!("{}\n\n{}\n", context.titles, context.library),
    }
}

/// Records planned notices, `NOTICES_A_WRITE` a write; returns (created, slips).
pub async fn record(db: &Db, planned: Vec<NewNotice>, now: i64) -> ApiResult<(usize, usize)> {
    let mut created = 0;
    let mut slips = 0;
    let mut rest = planned;
    while !rest.is_empty() {
        let batch: Vec<NewNotice> = rest.drain(..rest.len().min(NOTICES_A_WRITE)).collect();
        let (made, printed) = db
            .write(move |tx| {
                let mut made = 0;
                let mut printed = 0;
                for planned in &batch {
                    if notice::record(tx, planned, now)?.is_some() {
                        made += 1;
                        printed += usize::from(planned.channel == Channel::Slip);
                    }
                }
                Ok((made, printed))
            })
            .await?;
        created += made;
        slips += printed;
    }
    Ok((created, slips))
}

/// When an attempt that failed is tried again: a minute, then four times longer each
/// time (up to six hours); None after the last attempt.
pub fn retry_at(attempts_before: i64, now: i64) -> Option<i64> {
    let attempt = attempts_before + 1;
    (attempt < MAX_ATTEMPTS)
        .then(|| now + (60 * 4_i64.pow(attempt.clamp(1, 6) as u32 - 1)).min(6 * 3600))
}

/// Sends the mails whose attempt is due, `MAILS_A_GO` at a time in a blocking thread,
/// each batch's outcomes recorded in one write; returns (sent, failed). A batch with a
/// failure ends the round (the mail server is likely away): the rest wait for their
/// next attempt, as the failed ones do.
pub async fn deliver(db: &Db, mailer: &Arc<Mailer>) -> ApiResult<(usize, usize)> {
    let instance = db.run(|conn| setting::instance_id(conn)).await?;
    let mut sent = 0;
    let mut failed = 0;
    loop {
        let at = now();
        let due = db
            .run(move |conn| notice::due_mails(conn, at, MAILS_A_GO))
            .await?;
        let full = due.len() as i64 == MAILS_A_GO;
        if due.is_empty() {
            break;
        }
        let mailer = Arc::clone(mailer);
        let instance = instance.clone();
        let outcomes =
            rocket::tokio::task::spawn_blocking(move || send_each(&mailer, &instance, due))
                .await
                .map_err(|e| AppError::Internal(format!("sending notices: {e}")))?;
        let round_failed = outcomes.iter().filter(|(_, _, o)| o.is_err()).count();
        sent += outcomes.len() - round_failed;
        failed += round_failed;
        let at = now();
        db.write(move |tx| {
            for (id, attempts, outcome) in outcomes {
                match outcome {
                    Ok(()) => notice::mark_sent(tx, id, at)?,
                    Err(why) => {
                        tracing::warn!(notice = id, error = %why, "a notice could not be sent");
                        notice::mark_failed(tx, id, &why, retry_at(attempts, at))?;
                    }
                }
            }
            Ok(())
        })
        .await?;
        if round_failed > 0 || !full {
            break;
        }
    }
    Ok((sent, failed))
}

/// Sends `mails`, `SENDERS` at a time, each over a connection of its own: a mail server
/// answers a message's end only once it has the whole of it, and the client (lettre)
/// writes that end in a packet of its own, which Nagle's algorithm holds back until the
/// server's delayed acknowledgement of the body, up to 40 ms a mail on Linux. Several
/// connections at once wait those out side by side. Returns each mail's id, attempts
/// before and outcome.
fn send_each(
    mailer: &Mailer,
    instance: &str,
    mails: Vec<Notice>,
) -> Vec<(i64, i64, Result<(), String>)> {
    let queue = std::sync::Mutex::new(mails.into_iter());
    let outcomes = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..SENDERS {
            scope.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                let Some(mail) = next else { break };
                let message_id = format!("<notice-{}.{}@library-server>", mail.id, instance);
                let to = mail.recipient.clone().unwrap_or_default();
                let outcome =
                    mailer.send_notice(mail.id, &message_id, &to, &mail.subject, mail.body);
                if let Ok(mut done) = outcomes.lock() {
                    done.push((mail.id, mail.attempts, outcome));
                }
            });
        }
    });
    outcomes.into_inner().unwrap_or_default()
}

/// Readers a run plans and records at a time.
const READERS_A_PLAN: i64 = 1000;

/// One run: plans and records the notices as of `today`, a range of readers at a time
/// (of one reader when `user`), then sends what is due.
pub async fn run(
    db: &Db,
    mailer: &Arc<Mailer>,
    patron_page: &str,
    today: Day,
    scope: Scope,
    user: Option<UserId>,
) -> ApiResult<RunReport> {
    let at = now();
    let last = match user {
        Some(id) => id.get(),
        None => db.run(|conn| notice::last_reader(conn)).await?,
    };
    let mut created = 0;
    let mut slips = 0;
    let mut first = user.map_or(1, UserId::get);
    while first <= last {
        let readers = Readers {
            first,
            last: (first + READERS_A_PLAN - 1).min(last),
        };
        let page = patron_page.to_string();
        let planned = db
            .run(move |conn| {
                let setup = Setup::load(conn, &page)?;
                plan(conn, &setup, today, at, scope, readers, user.is_some())
            })
            .await?;
        let (made, printed) = record(db, planned, at).await?;
        created += made;
        slips += printed;
        first = readers.last + 1;
    }
    let (sent, failed) = deliver(db, mailer).await?;
    Ok(RunReport {
        day: today.to_string(),
        created,
        slips,
        sent,
        failed,
    })
}

/// Copies the database, consistently, to `<data_dir>/backups/library-<day>.db` (unless
/// that day's copy exists) and removes the oldest beyond `keep`. Returns the copy's path.
pub fn daily_backup(conn: &Connection, folder: &Path, day: Day, keep: usize) -> ApiResult<PathBuf> {
    // Owner-only: a backup holds every password hash.
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(folder)
        .map_err(|e| AppError::Internal(format!("backups folder {}: {e}", folder.display())))?;
    let path = folder.join(format!("library-{day}.db"));
    if !path.exists() {
        let part = folder.join(format!("library-{day}.db.part"));
        let _ = std::fs::remove_file(&part);
        crate::db::backup_to(conn, &part).map_err(AppError::Internal)?;
        std::fs::rename(&part, &path)
            .map_err(|e| AppError::Internal(format!("backup {}: {e}", path.display())))?;
    }
    let mut copies: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| AppError::Internal(format!("backups folder {}: {e}", folder.display())))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("library-") && n.ends_with(".db"))
        })
        .collect();
    copies.sort();
    let surplus = copies.len().saturating_sub(keep.max(1));
    for old in &copies[..surplus] {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(file = %old.display(), error = %e, "an old backup could not be removed");
        }
    }
    Ok(path)
}

/// The scheduler's look, once a minute (and at start-up).
async fn tick(db: &Db, mailer: &Arc<Mailer>, patron_page: &str, backups: &Path) -> ApiResult<()> {
    let at = now();
    let today = Day::of(at);
    let (settings, last_notices, last_backup) = db
        .run(|conn| {
            Ok((
                notice::settings(conn)?,
                notice::last_run(conn, "notices")?,
                notice::last_run(conn, "backup")?,
            ))
        })
        .await?;
    let hour_passed = at >= today.start() + settings.hour * 3600;
    let day = today.to_string();
    if settings.enabled {
        let daily = hour_passed && last_notices.as_deref() < Some(day.as_str());
        let scope = if daily {
            Scope::Daily
        } else {
            Scope::HoldsReady
        };
        let report = run(db, mailer, patron_page, today, scope, None).await?;
        if daily {
            let day = day.clone();
            db.write(move |tx| notice::set_last_run(tx, "notices", &day))
                .await?;
            tracing::info!(day = %report.day, created = report.created, slips = report.slips, sent = report.sent, failed = report.failed, "the daily notices ran");
        }
    }
    if settings.daily_backup && hour_passed && last_backup.as_deref() < Some(day.as_str()) {
        let folder = backups.to_path_buf();
        let keep = settings.backups_kept as usize;
        let path = db
            .run(move |conn| daily_backup(conn, &folder, today, keep))
            .await?;
        db.write(move |tx| notice::set_last_run(tx, "backup", &day))
            .await?;
        tracing::info!(file = %path.display(), "the daily backup is written");
    }
    Ok(())
}

pub fn fairing() -> AdHoc {
    AdHoc::on_liftoff("notices", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(config), Some(mailer), Some(link)) = (
                rocket.state::<Db>(),
                rocket.state::<Config>(),
                rocket.state::<Arc<Mailer>>(),
                rocket.state::<PublicUrl>(),
            ) else {
                return;
            };
            if !config.scheduler {
                return;
            }
            let db = db.clone();
            let mailer = Arc::clone(mailer);
            let page = link.0.clone();
            let backups = config.data_dir.join("backups");
            let shutdown = rocket.shutdown();
            rocket::tokio::spawn(async move {
                // The first tick is at once: a day missed while the server was down is
                // caught up on start-up.
                let mut ticks = interval(EVERY);
                ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
                loop {
                    rocket::tokio::select! {
                        _ = ticks.tick() => {}
                        _ = shutdown.clone() => break,
                    }
                    if let Err(e) = tick(&db, &mailer, &page, &backups).await {
                        tracing::warn!(error = %e, "the notices run failed; the next minute tries again");
                    }
                }
            });
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_and_end() {
        let waits: Vec<Option<i64>> = (0..MAX_ATTEMPTS).map(|a| retry_at(a, 1000)).collect();
        assert_eq!(
            waits,
            [
                Some(1060),
                Some(1240),
                Some(1960),
                Some(4840),
                Some(16_360),
                None
            ]
        );
    }
}
