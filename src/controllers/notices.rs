//! Notices: their settings, the library's wording of them, the send log, slips to print,
//! and runs by hand (`POST /notices/run`, "send now" for one patron).

use std::sync::Arc;

use rocket::{delete, get, patch, post, put, routes, Route, State};
use serde::{Deserialize, Serialize};

use crate::auth::{Admin, Librarian};
use crate::config::PublicUrl;
use crate::db::Db;
use crate::domain::calendar::Day;
use crate::domain::UserId;
use crate::error::{ApiResult, AppError};
use crate::mail::Mailer;
use crate::models::audit::{self, Action};
use crate::models::notice::{
    self, Channel, Filter, Kind, Notice, NoticeLanguage, Settings, Status, Wording,
};
use crate::models::{now, user};
use crate::services::notices::wording::{self, Context, HoldLine, LoanLine, LANGUAGES};
use crate::services::notices::{self, RunReport, Scope, Setup};
use crate::views::envelope::{Envelope, ListEnvelope, Reply, Success};
use crate::views::input::{not_null, Fields, NoFields};
use crate::views::paging;
use crate::views::query::QueryParams;

pub fn routes() -> Vec<Route> {
    routes![
        settings,
        change_settings,
        log,
        one,
        send_again,
        run,
        send_now,
        slips,
        printed,
        templates,
        put_template,
        delete_template,
        preview
    ]
}

/// How notices go out, and the daily backup.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The settings", body = Envelope<Settings>),
))]
#[get("/notices/settings")]
pub(crate) async fn settings(_admin: Admin, db: &State<Db>) -> Reply {
    let found = db.run(|conn| notice::settings(conn)).await?;
    Ok(Success::ok("GET NOTICE SETTINGS", found))
}

/// PATCH /notices/settings: what is left out stays.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NoticeSettingsRequest)]
pub struct SettingsRequest {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 0, maximum = 23)]
    pub hour: Option<i64>,
    /// One of the template languages (en, de).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, value_type = Option<NoticeLanguage>)]
    pub language: Option<String>,
    /// One line of 1 to 100 characters.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub library_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 0, maximum = 30)]
    pub due_soon_days: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 1, maximum = 90)]
    pub overdue_first_days: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 1, maximum = 90)]
    pub overdue_every_days: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 0, maximum = 10)]
    pub overdue_reminders: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub daily_backup: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 1, maximum = 365)]
    pub backups_kept: Option<i64>,
}

/// Changes when and how notices go out (admins): the hour of the daily run (UTC), the
/// language and signature, days before the due date, the overdue reminders, and the
/// daily backup.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])),
    request_body(content = Option<SettingsRequest>, description = "What to change"), responses(
    (status = 200, description = "The settings now", body = Envelope<Settings>),
))]
#[patch("/notices/settings", data = "<body>")]
pub(crate) async fn change_settings(
    admin: Admin,
    db: &State<Db>,
    body: Fields<SettingsRequest>,
) -> Reply {
    let request = body.0;
    let numbers = [
        ("hour", request.hour),
        ("due_soon_days", request.due_soon_days),
        ("overdue_first_days", request.overdue_first_days),
        ("overdue_every_days", request.overdue_every_days),
        ("overdue_reminders", request.overdue_reminders),
        ("backups_kept", request.backups_kept),
    ];
    let mut problems = crate::error::FieldErrors::new();
    for (name, value) in numbers {
        let (_, low, high) = notice::RANGES
            .iter()
            .find(|(n, _, _)| *n == name)
            .copied()
            .unwrap_or((name, 0, 0));
        if let Some(value) = value.filter(|v| !(low..=high).contains(v)) {
            problems.insert(
                name.into(),
                format!("must be from {low} to {high}, not {value}"),
            );
        }
    }
    if let Some(language) = request.language.as_deref() {
        if !LANGUAGES.contains(&language) {
            problems.insert(
                "language".into(),
                format!("must be one of {}", LANGUAGES.join(", ")),
            );
        }
    }
    let library_name = request.library_name.as_deref().map(str::trim);
    if let Some(name) = library_name {
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            problems.insert(
                "library_name".into(),
                "must be 1 to 100 characters on one line".into(),
            );
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let library_name = library_name.map(str::to_string);
    let admin = admin.0;
    let changed = db
        .write(move |tx| {
            let mut settings = notice::settings(tx)?;
            let SettingsRequest {
                enabled,
                hour,
                language,
                due_soon_days,
                overdue_first_days,
                overdue_every_days,
                overdue_reminders,
                daily_backup,
                backups_kept,
                ..
            } = request;
            settings.enabled = enabled.unwrap_or(settings.enabled);
            settings.hour = hour.unwrap_or(settings.hour);
            settings.language = language.unwrap_or(settings.language);
            settings.library_name = library_name.unwrap_or(settings.library_name);
            settings.due_soon_days = due_soon_days.unwrap_or(settings.due_soon_days);
            settings.overdue_first_days = overdue_first_days.unwrap_or(settings.overdue_first_days);
            settings.overdue_every_days = overdue_every_days.unwrap_or(settings.overdue_every_days);
            settings.overdue_reminders = overdue_reminders.unwrap_or(settings.overdue_reminders);
            settings.daily_backup = daily_backup.unwrap_or(settings.daily_backup);
            settings.backups_kept = backups_kept.unwrap_or(settings.backups_kept);
            notice::save_settings(tx, &settings)?;
            audit::record(
                tx,
                &admin,
                Action {
                    action: "notices.settings",
                    subject_type: "settings",
                    subject_id: None,
                    patron_id: None,
                    detail: serde_json::to_string(&settings).unwrap_or_default(),
                },
            )?;
            Ok(settings)
        })
        .await?;
    Ok(Success::ok("UPDATE NOTICE SETTINGS", changed))
}

fn day_start(name: &str, raw: Option<&str>) -> ApiResult<Option<i64>> {
    raw.map(|raw| Day::parse(raw).map(Day::start))
        .transpose()
        .map_err(|e| AppError::invalid(name, e))
}

/// The send log (staff), newest first: what went to whom, when, and how it ended.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(
    ("status" = Option<Status>, Query, description = "pending, sent, printed or failed"),
    ("kind" = Option<Kind>, Query, description = "due_soon, overdue, hold_ready or hold_lapsing"),
    ("channel" = Option<Channel>, Query, description = "mail or slip"),
    ("user_id" = Option<i64>, Query, minimum = 1, description = "One reader's notices"),
    ("from" = Option<String>, Query, format = Date, description = "Made on or after this day, YYYY-MM-DD"),
    ("to" = Option<String>, Query, format = Date, description = "Made on or before this day, YYYY-MM-DD"),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of the log", body = ListEnvelope<Notice>),
))]
#[get("/notices")]
pub(crate) async fn log(_staff: Librarian, db: &State<Db>, query: QueryParams) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let parse = |name: &str| query.get(name);
    let filter = Filter {
        status: parse("status")?
            .map(Status::parse)
            .transpose()
            .map_err(|e| AppError::invalid("status", e))?,
        kind: parse("kind")?
            .map(Kind::parse)
            .transpose()
            .map_err(|e| AppError::invalid("kind", e))?,
        channel: match parse("channel")? {
            None => None,
            Some("mail") => Some(Channel::Mail),
            Some("slip") => Some(Channel::Slip),
            Some(_) => return Err(AppError::invalid("channel", "must be mail or slip")),
        },
        user_id: match parse("user_id")? {
            None => None,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(id) if id >= 1 => Some(UserId::new(id)),
                _ => return Err(AppError::invalid("user_id", "must be a user id")),
            },
        },
        from: day_start("from", parse("from")?)?,
        to: day_start("to", parse("to")?)?.map(|start| start + 86_400),
    };
    let (rows, total) = db
        .run(move |conn| notice::list(conn, &filter, page.limit(), page.offset()))
        .await?;
    Ok(Success::list(
        "GET NOTICES",
        rows,
        paging::meta(page, total),
    ))
}

/// One notice, with its text.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(("id" = i64, Path)), responses(
    (status = 200, description = "The notice", body = Envelope<Notice>),
))]
#[get("/notices/<id>", rank = 2)]
pub(crate) async fn one(id: i64, _staff: Librarian, db: &State<Db>) -> Reply {
    let found = db
        .run(move |conn| notice::find(conn, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Success::ok("GET NOTICE", found))
}

/// Sends a mail again (staff): a failed one, or a pending one at once. A slip is 409.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(("id" = i64, Path)), request_body = Option<crate::views::input::Empty>, responses(
    (status = 200, description = "The notice after this attempt", body = Envelope<Notice>),
    (status = 409, description = "Sent already, or a slip", body = crate::error::ErrorEnvelope),
))]
#[post("/notices/<id>/send-again", data = "<_body>")]
pub(crate) async fn send_again(
    id: i64,
    _staff: Librarian,
    db: &State<Db>,
    mailer: &State<Arc<Mailer>>,
    _body: NoFields,
) -> Reply {
    let at = now();
    db.write(move |tx| {
        let found = notice::find(tx, id)?.ok_or(AppError::NotFound)?;
        let refused = match (found.channel, found.status) {
            (Channel::Slip, _) => "is a slip to print, not a mail",
            (_, Status::Sent) => "was sent already",
            _ => "",
        };
        if !refused.is_empty() || !notice::send_again(tx, id, at)? {
            return Err(AppError::conflict(
                "id",
                format!("notice {id} {refused}").trim_end(),
            ));
        }
        Ok(())
    })
    .await?;
    notices::deliver(db, mailer).await?;
    let found = db
        .run(move |conn| notice::find(conn, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Success::ok("SEND NOTICE", found))
}

/// POST /notices/run: the day to run for.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Run as of this day (YYYY-MM-DD) instead of today: what is due soon, overdue or
    /// about to lapse is worked out for that day. For trying settings out, and tests.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(format = "date", nullable = false)]
    pub today: Option<String>,
}

/// Runs the daily notices now (admins), as the scheduler does at its hour, and sends
/// what is due. Each event is told once: running again sends nothing new.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])),
    request_body(content = Option<RunRequest>, description = "The day, or nothing for today"), responses(
    (status = 200, description = "What the run did", body = Envelope<RunReport>),
))]
#[post("/notices/run", data = "<body>")]
pub(crate) async fn run(
    _admin: Admin,
    db: &State<Db>,
    mailer: &State<Arc<Mailer>>,
    link: &State<PublicUrl>,
    body: Fields<RunRequest>,
) -> Reply {
    let today = match body.0.today.as_deref() {
        Some(raw) => Day::parse(raw).map_err(|e| AppError::invalid("today", e))?,
        None => Day::of(now()),
    };
    let report = notices::run(db, mailer, &link.0, today, Scope::Daily, None).await?;
    Ok(Success::ok("RUN NOTICES", report))
}

/// "Send now" for one patron (staff): their notices as of today that are not yet sent.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(("id" = i64, Path)), request_body = Option<crate::views::input::Empty>, responses(
    (status = 200, description = "What the run did", body = Envelope<RunReport>),
))]
#[post("/patrons/<id>/notices", data = "<_body>")]
pub(crate) async fn send_now(
    id: i64,
    _staff: Librarian,
    db: &State<Db>,
    mailer: &State<Arc<Mailer>>,
    link: &State<PublicUrl>,
    _body: NoFields,
) -> Reply {
    let patron = UserId::new(id);
    db.run(move |conn| user::find(conn, patron))
        .await?
        .filter(|u| u.erased_at.is_none())
        .ok_or(AppError::NotFound)?;
    let today = Day::of(now());
    let report = notices::run(db, mailer, &link.0, today, Scope::Daily, Some(patron)).await?;
    Ok(Success::ok("SEND NOTICES", report))
}

/// Slips not yet printed (staff), by group: notices for readers with no e-mail address,
/// to hand out ("give these slips to class 5B").
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(
    ("group" = Option<String>, Query, description = "One group (any letter case)"),
), responses(
    (status = 200, description = "The slips", body = Envelope<Vec<Notice>>),
))]
#[get("/notices/slips")]
pub(crate) async fn slips(_staff: Librarian, db: &State<Db>, query: QueryParams) -> Reply {
    let group = query.get("group")?.map(str::to_string);
    let found = db
        .run(move |conn| notice::pending_slips(conn, group.as_deref()))
        .await?;
    Ok(Success::ok("GET SLIPS", found))
}

/// POST /notices/slips/printed
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintedRequest {
    /// The slips printed (ids from GET /notices/slips).
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<i64>)]
    pub ids: Vec<serde_json::Number>,
}

/// How many slips were marked printed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrintedView {
    pub printed: usize,
}

/// Marks slips printed (staff); ids that are no pending slip are passed over.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), request_body = PrintedRequest, responses(
    (status = 200, description = "How many were marked", body = Envelope<PrintedView>),
))]
#[post("/notices/slips/printed", data = "<body>")]
pub(crate) async fn printed(
    _staff: Librarian,
    db: &State<Db>,
    body: Fields<PrintedRequest>,
) -> Reply {
    let numbers = body.0.ids;
    if numbers.is_empty() || numbers.len() > 1000 {
        return Err(AppError::invalid("ids", "must list 1 to 1000 slips"));
    }
    // An integer is a whole number however JSON writes it (`41` or `41.0`).
    let mut ids = Vec::with_capacity(numbers.len());
    for (i, number) in numbers.iter().enumerate() {
        let whole = number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        });
        match whole {
            Some(id) => ids.push(id),
            None => {
                return Err(AppError::invalid(
                    &format!("ids[{i}]"),
                    "must be a whole number",
                ))
            }
        }
    }
    let at = now();
    let count = db
        .write(move |tx| notice::mark_printed(tx, &ids, at))
        .await?;
    Ok(Success::ok("PRINTED SLIPS", PrintedView { printed: count }))
}

/// A kind's wording in a language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub kind: Kind,
    pub language: String,
    pub subject: String,
    pub body: String,
    /// Whether the library wrote its own (else the shipped text).
    pub custom: bool,
}

/// Every kind's wording in every language, the library's own or the shipped one. The
/// placeholders are listed in the README (Notices).
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The templates", body = Envelope<Vec<TemplateView>>),
))]
#[get("/notices/templates")]
pub(crate) async fn templates(_staff: Librarian, db: &State<Db>) -> Reply {
    let found = db
        .run(|conn| {
            let mut views = Vec::new();
            for language in LANGUAGES {
                for kind in Kind::ALL {
                    let own = notice::wording(conn, kind, language)?;
                    let custom = own.is_some();
                    let wording = own.unwrap_or_else(|| wording::shipped(kind, language));
                    views.push(TemplateView {
                        kind,
                        language: language.into(),
                        subject: wording.subject,
                        body: wording.body,
                        custom,
                    });
                }
            }
            Ok(views)
        })
        .await?;
    Ok(Success::ok("GET TEMPLATES", found))
}

/// A template's text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    #[schema(min_length = 1, max_length = 200, pattern = r"^(?=[\s\S]*\S)")]
    pub subject: String,
    #[schema(min_length = 1, max_length = 10000, pattern = r"^(?=[\s\S]*\S)")]
    pub body: String,
}

fn kind_and_language(kind: &str, language: &str) -> ApiResult<(Kind, &'static str)> {
    let kind = Kind::parse(kind).map_err(|e| AppError::invalid("kind", e))?;
    let language = LANGUAGES
        .into_iter()
        .find(|l| *l == language)
        .ok_or_else(|| {
            AppError::invalid(
                "language",
                format!("must be one of {}", LANGUAGES.join(", ")),
            )
        })?;
    Ok((kind, language))
}

/// Saves the library's wording of a kind in a language (admins). It must render for a
/// sample reader: a template that does not (an unknown placeholder, an unclosed block)
/// is 400 with the reason.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(
    ("kind" = Kind, Path, description = "due_soon, overdue, hold_ready or hold_lapsing"),
    ("language" = NoticeLanguage, Path, description = "en or de"),
), request_body = TemplateRequest, responses(
    (status = 200, description = "The template now", body = Envelope<TemplateView>),
))]
#[put("/notices/templates/<kind>/<language>", data = "<body>")]
pub(crate) async fn put_template(
    kind: &str,
    language: &str,
    admin: Admin,
    db: &State<Db>,
    body: Fields<TemplateRequest>,
) -> Reply {
    let (kind, language) = kind_and_language(kind, language)?;
    let wording = Wording {
        subject: body.0.subject,
        body: body.0.body,
    };
    wording::check(&wording).map_err(|(field, why)| AppError::invalid(field, why))?;
    let admin = admin.0;
    let at = now();
    let saved = wording.clone();
    db.write(move |tx| {
        notice::set_wording(tx, kind, language, &saved, at)?;
        audit::record(
            tx,
            &admin,
            Action {
                action: "notices.template",
                subject_type: "settings",
                subject_id: None,
                patron_id: None,
                detail: format!("{} {language}", kind.as_str()),
            },
        )
    })
    .await?;
    Ok(Success::ok(
        "UPDATE TEMPLATE",
        TemplateView {
            kind,
            language: language.into(),
            subject: wording.subject,
            body: wording.body,
            custom: true,
        },
    ))
}

/// Goes back to the shipped wording (admins).
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), params(
    ("kind" = Kind, Path), ("language" = NoticeLanguage, Path),
), request_body = Option<crate::views::input::Empty>, responses(
    (status = 200, description = "The shipped template", body = Envelope<TemplateView>),
))]
#[delete("/notices/templates/<kind>/<language>", data = "<_body>")]
pub(crate) async fn delete_template(
    kind: &str,
    language: &str,
    _admin: Admin,
    db: &State<Db>,
    _body: NoFields,
) -> Reply {
    let (kind, language) = kind_and_language(kind, language)?;
    db.write(move |tx| notice::forget_wording(tx, kind, language))
        .await?;
    let shipped = wording::shipped(kind, language);
    Ok(Success::ok(
        "DELETE TEMPLATE",
        TemplateView {
            kind,
            language: language.into(),
            subject: shipped.subject,
            body: shipped.body,
            custom: false,
        },
    ))
}

/// POST /notices/templates/preview
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub kind: Kind,
    /// en or de (the notices' language when left out).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, value_type = Option<NoticeLanguage>)]
    pub language: Option<String>,
    /// The text to try (the saved one when left out).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 200)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 10000)]
    pub body: Option<String>,
    /// The reader to fill in (one with a loan when left out; a made-up one if there is
    /// none). 404 if there is no such reader.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 1)]
    pub user_id: Option<i64>,
}

/// A rendered preview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewView {
    pub subject: String,
    pub body: String,
    /// The reader filled in (null: a made-up one).
    pub user_id: Option<i64>,
}

/// Renders a template with a real patron and their loans and holds (staff), before it is
/// saved. A template that does not render is 400 with the reason.
#[utoipa::path(tag = "notices", security(("bearer" = []), ("access_token" = [])), request_body = PreviewRequest, responses(
    (status = 200, description = "The notice as it would read", body = Envelope<PreviewView>),
    (status = 404, description = "No such reader", body = crate::error::ErrorEnvelope),
))]
#[post("/notices/templates/preview", data = "<body>")]
pub(crate) async fn preview(
    _staff: Librarian,
    db: &State<Db>,
    link: &State<PublicUrl>,
    body: Fields<PreviewRequest>,
) -> Reply {
    let request = body.0;
    if request
        .subject
        .as_ref()
        .is_some_and(|s| s.chars().count() > wording::MAX_SUBJECT)
    {
        return Err(AppError::invalid(
            "subject",
            format!("must be at most {} characters", wording::MAX_SUBJECT),
        ));
    }
    if request
        .body
        .as_ref()
        .is_some_and(|b| b.chars().count() > wording::MAX_BODY)
    {
        return Err(AppError::invalid(
            "body",
            format!("must be at most {} characters", wording::MAX_BODY),
        ));
    }
    let page = link.0.clone();
    let view = db
        .run(move |conn| {
            let setup = Setup::load(conn, &page)?;
            let language = match request.language.as_deref() {
                Some(raw) => kind_and_language(request.kind.as_str(), raw)?.1.to_string(),
                None => setup.settings.language.clone(),
            };
            let saved = notice::wording(conn, request.kind, &language)?
                .unwrap_or_else(|| wording::shipped(request.kind, &language));
            let wording = Wording {
                subject: request.subject.unwrap_or(saved.subject),
                body: request.body.unwrap_or(saved.body),
            };
            let (context, user_id) = preview_context(conn, &setup, request.user_id)?;
            let rendered = wording::render(&wording, &context)
                .map_err(|(field, why)| AppError::invalid(field, why))?;
            Ok(PreviewView {
                subject: rendered.subject,
                body: rendered.body,
                user_id,
            })
        })
        .await?;
    Ok(Success::ok("PREVIEW TEMPLATE", view))
}

/// A real reader's context: `user_id`'s, else the first reader with a loan out.
fn preview_context(
    conn: &rusqlite::Connection,
    setup: &Setup,
    user_id: Option<i64>,
) -> ApiResult<(Context, Option<i64>)> {
    let at = now();
    let today = Day::of(at);
    let far = today.plus(100_000).start();
    let who = match user_id {
        Some(id) => Some(UserId::new(id)),
        None => notice::a_reader_with_a_loan(conn)?,
    };
    let reader = match who {
        Some(id) => Some(notice::reader(conn, id)?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let loans = match &reader {
        Some(reader) => notice::loans_due_before(conn, far, notice::Readers::one(reader.id))?,
        None => Vec::new(),
    };
    let Some(reader) = reader else {
        let sample = Context::sample(
            &setup.settings.library_name,
            &format!("{}/", setup.patron_page),
        );
        return Ok((sample, None));
    };
    let loans: Vec<LoanLine> = loans
        .iter()
        .filter(|l| l.reader.id == reader.id)
        .map(|l| {
            let due = Day::of(l.due_at);
            LoanLine {
                title: l.title.clone(),
                author: l.author.clone(),
                barcode: l.barcode.clone(),
                due_date: due.to_string(),
                days_late: setup.calendar.open_days_late(due, today),
            }
        })
        .collect();
    let holds: Vec<HoldLine> = notice::ready_holds(conn, at, notice::Readers::one(reader.id))?
        .into_iter()
        .map(|h| HoldLine {
            title: h.title,
            author: h.author,
            ready_until: Day::of(h.ready_until).to_string(),
        })
        .collect();
    let context = Context::new(
        reader.name.clone(),
        setup.settings.library_name.clone(),
        &setup.patron_page,
        loans,
        holds,
        Some(1),
    );
    Ok((context, Some(reader.id.get())))
}
