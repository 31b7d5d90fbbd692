//! The library's own settings (admins), its loan rules per group, and the audit log of
//! staff actions (admins).

use std::sync::Arc;

use rocket::{delete, get, patch, put, routes, Route, State};
use serde::{Deserialize, Serialize};

use crate::auth::{Admin, CatalogueAccess, Librarian};
use crate::config::Config;
use crate::db::Db;
use crate::domain::book::optional;
use crate::domain::item::date;
use crate::domain::UserId;
use crate::error::AppError;
use crate::models::audit::{self, Action, Filter};
use crate::models::library_settings::{
    self, LibrarySettings, Registration, KIOSK_IDLE_SECONDS, MAX_HISTORY_DAYS,
};
use crate::models::loan_rules::{self as rules_table, GroupRules};
use crate::services::lending::Policy;
use crate::views::desk::RulesView;
use crate::views::envelope::{Envelope, ListEnvelope, Reply, Success};
use crate::views::input::{Empty, Fields, NoFields, Problems};
use crate::views::item::present;
use crate::views::paging;
use crate::views::patron::MAX_GROUP;
use crate::views::query::QueryParams;
use crate::views::HttpDate;

pub fn routes() -> Vec<Route> {
    routes![
        settings,
        change_settings,
        loan_rules,
        put_loan_rules,
        delete_loan_rules,
        audit_log
    ]
}

/// The library's settings.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The settings", body = Envelope<LibrarySettings>),
))]
#[get("/settings")]
pub(crate) async fn settings(_admin: Admin, db: &State<Db>) -> Reply {
    let found = db.run(|conn| library_settings::load(conn)).await?;
    Ok(Success::ok("GET SETTINGS", found))
}

/// PATCH /settings: what is left out stays.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsRequest {
    #[schema(nullable = false)]
    pub registration: Option<Registration>,
    #[schema(nullable = false)]
    pub members_see_names: Option<bool>,
    /// null keeps loan history linked to its readers for good.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    pub loan_history_days: Option<Option<i64>>,
    #[schema(nullable = false)]
    pub catalogue_members_only: Option<bool>,
    #[schema(nullable = false)]
    pub search_engines_may_index: Option<bool>,
    #[schema(nullable = false)]
    pub reading_history: Option<bool>,
    /// null is refused: there is always an idle time.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable = false, minimum = 10, maximum = 3600)]
    pub kiosk_idle_seconds: Option<Option<i64>>,
}

/// Changes the library's settings: self-registration (`open`, `closed` — staff create
/// accounts, the choice for a school — or `approval`), whether members see each other's
/// usernames and pictures, how many days loan history stays linked to its readers, and
/// what the reader's page does: a members-only catalogue, search engines allowed or not,
/// reading histories, and the idle time of catalogue PCs in kiosk mode.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])),
    request_body(content = Option<SettingsRequest>, description = "What to change; nothing changes nothing"), responses(
    (status = 200, description = "The settings now", body = Envelope<LibrarySettings>),
))]
#[patch("/settings", data = "<body>")]
pub(crate) async fn change_settings(
    admin: Admin,
    db: &State<Db>,
    access: &State<Arc<CatalogueAccess>>,
    body: Fields<SettingsRequest>,
) -> Reply {
    let request = body.0;
    if let Some(Some(days)) = request.loan_history_days {
        if !(0..=MAX_HISTORY_DAYS).contains(&days) {
            return Err(AppError::invalid(
                "loan_history_days",
                format!("must be from 0 to {MAX_HISTORY_DAYS} days, or null to keep history"),
            ));
        }
    }
    let kiosk_idle_seconds = match request.kiosk_idle_seconds {
        Some(None) => return Err(AppError::invalid("kiosk_idle_seconds", "must not be null")),
        Some(Some(secs)) => Some(secs),
        None => None,
    };
    if let Some(secs) = kiosk_idle_seconds {
        if !KIOSK_IDLE_SECONDS.contains(&secs) {
            return Err(AppError::invalid(
                "kiosk_idle_seconds",
                format!(
                    "must be from {} to {} seconds",
                    KIOSK_IDLE_SECONDS.start(),
                    KIOSK_IDLE_SECONDS.end()
                ),
            ));
        }
    }
    let admin = admin.0;
    let access = Arc::clone(access);
    let changed = db
        .write(move |tx| {
            let mut settings = library_settings::load(tx)?;
            if let Some(registration) = request.registration {
                settings.registration = registration;
            }
            if let Some(see) = request.members_see_names {
                settings.members_see_names = see;
            }
            if let Some(days) = request.loan_history_days {
                settings.loan_history_days = days;
            }
            if let Some(on) = request.catalogue_members_only {
                settings.catalogue_members_only = on;
            }
            if let Some(on) = request.search_engines_may_index {
                settings.search_engines_may_index = on;
            }
            if let Some(on) = request.reading_history {
                settings.reading_history = on;
            }
            if let Some(secs) = kiosk_idle_seconds {
                settings.kiosk_idle_seconds = secs;
            }
            library_settings::save(tx, &settings)?;
            access.set(settings.catalogue_members_only);
            crate::services::sweep::anonymise_history(tx, crate::models::now())?;
            let detail = serde_json::to_string(&settings).unwrap_or_default();
            audit::record(
                tx,
                &admin,
                Action {
                    action: "settings.update",
                    subject_type: "settings",
                    subject_id: None,
                    patron_id: None,
                    detail,
                },
            )?;
            Ok(settings)
        })
        .await?;
    Ok(Success::ok("UPDATE SETTINGS", changed))
}

/// A group's rules; null: the library's default.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupRulesView {
    pub group: String,
    pub loan_days: Option<i64>,
    pub max_loans: Option<i64>,
    pub max_renewals: Option<i64>,
    pub max_holds: Option<i64>,
}

impl From<GroupRules> for GroupRulesView {
    fn from(rules: GroupRules) -> Self {
        GroupRulesView {
            group: rules.group,
            loan_days: rules.loan_days,
            max_loans: rules.max_loans,
            max_renewals: rules.max_renewals,
            max_holds: rules.max_holds,
        }
    }
}

/// The defaults (the server's configuration) and each group's own rules.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoanRulesView {
    pub defaults: RulesView,
    pub groups: Vec<GroupRulesView>,
}

/// The loan rules: the defaults and the groups that have their own.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The rules", body = Envelope<LoanRulesView>),
))]
#[get("/loan-rules")]
pub(crate) async fn loan_rules(_staff: Librarian, db: &State<Db>, config: &State<Config>) -> Reply {
    let policy = Policy::from_config(config);
    let groups = db.run(|conn| rules_table::list(conn)).await?;
    Ok(Success::ok(
        "GET LOAN RULES",
        LoanRulesView {
            defaults: RulesView {
                loan_days: policy.loan_secs / (24 * 60 * 60),
                max_loans: policy.max_active_loans,
                max_renewals: policy.max_renewals,
                max_holds: policy.max_holds,
            },
            groups: groups.into_iter().map(GroupRulesView::from).collect(),
        },
    ))
}

/// PUT /loan-rules/{group}: each rule, or null (or left out) for the default.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRulesRequest {
    #[schema(minimum = 1, maximum = 365)]
    pub loan_days: Option<i64>,
    #[schema(minimum = 0, maximum = 1000)]
    pub max_loans: Option<i64>,
    #[schema(minimum = 0, maximum = 100)]
    pub max_renewals: Option<i64>,
    #[schema(minimum = 0, maximum = 1000)]
    pub max_holds: Option<i64>,
}

fn in_range(problems: &mut Problems, field: &str, value: Option<i64>, low: i64, high: i64) {
    if value.is_some_and(|v| !(low..=high).contains(&v)) {
        problems.note(field, format!("must be from {low} to {high}"));
    }
}

/// Sets a group's loan rules (any letter case of its name), replacing the ones it had.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])),
    params(("group" = String, Path, max_length = 50, pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")),
    request_body(content = Option<GroupRulesRequest>, description = "Each rule, or null or left out for the default; no body at all sets every rule to the default"), responses(
    (status = 200, description = "The group's rules now", body = Envelope<GroupRulesView>),
))]
#[put("/loan-rules/<group>", data = "<body>")]
pub(crate) async fn put_loan_rules(
    group: &str,
    admin: Admin,
    db: &State<Db>,
    body: Fields<GroupRulesRequest>,
) -> Reply {
    let request = body.0;
    let mut problems = Problems::default();
    let group = problems
        .check("group", optional(group, MAX_GROUP))
        .flatten();
    if group.is_none() && problems.is_empty() {
        problems.note("group", "is required");
    }
    in_range(&mut problems, "loan_days", request.loan_days, 1, 365);
    in_range(&mut problems, "max_loans", request.max_loans, 0, 1000);
    in_range(&mut problems, "max_renewals", request.max_renewals, 0, 100);
    in_range(&mut problems, "max_holds", request.max_holds, 0, 1000);
    let (Some(group), true) = (group, problems.is_empty()) else {
        return Err(problems.into_error());
    };
    let rules = GroupRules {
        group,
        loan_days: request.loan_days,
        max_loans: request.max_loans,
        max_renewals: request.max_renewals,
        max_holds: request.max_holds,
    };
    let admin = admin.0;
    let saved = db
        .write(move |tx| {
            rules_table::put(tx, &rules)?;
            audit::record(
                tx,
                &admin,
                Action {
                    action: "loan_rules.update",
                    subject_type: "loan_rules",
                    subject_id: None,
                    patron_id: None,
                    detail: format!(
                        "{}: loan_days {:?}, max_loans {:?}, max_renewals {:?}, max_holds {:?}",
                        rules.group,
                        rules.loan_days,
                        rules.max_loans,
                        rules.max_renewals,
                        rules.max_holds
                    ),
                },
            )?;
            rules_table::for_group(tx, &rules.group)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Success::ok(
        "UPDATE LOAN RULES",
        GroupRulesView::from(saved),
    ))
}

/// Removes a group's own rules: its readers follow the defaults again.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])),
    params(("group" = String, Path, max_length = 50)),
    request_body(content = Option<Empty>, description = "Nothing, or an empty object"), responses(
    (status = 200, description = "Removed", body = Envelope<GroupRulesView>),
))]
#[delete("/loan-rules/<group>", data = "<_body>")]
pub(crate) async fn delete_loan_rules(
    group: &str,
    admin: Admin,
    db: &State<Db>,
    _body: NoFields,
) -> Reply {
    let group = group.trim().to_string();
    let admin = admin.0;
    let removed = db
        .write(move |tx| {
            let found = rules_table::for_group(tx, &group)?.ok_or(AppError::NotFound)?;
            rules_table::delete(tx, &group)?;
            audit::record(
                tx,
                &admin,
                Action {
                    action: "loan_rules.delete",
                    subject_type: "loan_rules",
                    subject_id: None,
                    patron_id: None,
                    detail: found.group.clone(),
                },
            )?;
            Ok(found)
        })
        .await?;
    Ok(Success::ok(
        "DELETE LOAN RULES",
        GroupRulesView::from(removed),
    ))
}

/// One entry of the audit log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: HttpDate,
    /// Who did it (null if their account is gone).
    #[schema(value_type = Option<i64>)]
    pub actor_id: Option<UserId>,
    /// Their username then.
    pub actor: String,
    /// "loan.create", "patron.block", …
    pub action: String,
    /// loan, hold, item, patron, settings, loan_rules, user.
    pub subject_type: String,
    pub subject_id: Option<i64>,
    /// The patron it concerned.
    #[schema(value_type = Option<i64>)]
    pub patron_id: Option<UserId>,
    pub detail: String,
}

/// The day after a YYYY-MM-DD date, as Unix seconds at its start (UTC).
fn day_start(day: &str) -> Option<i64> {
    let (y, rest) = day.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    // Days from civil (Howard Hinnant's algorithm), the inverse of `day_of`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

/// The audit log (admins), newest first: who did what to loans, returns, holds, copies
/// and patrons. `person` is a user id — entries they made or that concern them; `from`
/// and `to` are days (YYYY-MM-DD, both included), `date` one day.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])), params(
    ("person" = Option<i64>, Query, minimum = 1, description = "A user id: what they did, or what was done for them"),
    ("from" = Option<String>, Query, format = Date, description = "First day, YYYY-MM-DD"),
    ("to" = Option<String>, Query, format = Date, description = "Last day, YYYY-MM-DD"),
    ("date" = Option<String>, Query, format = Date, description = "One day, YYYY-MM-DD (as `from` and `to` both that day)"),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of the log", body = ListEnvelope<AuditView>),
))]
#[get("/audit")]
pub(crate) async fn audit_log(_admin: Admin, db: &State<Db>, query: QueryParams) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let person = match query.get("person")? {
        None => None,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(id) if id >= 1 => Some(UserId::new(id)),
            _ => return Err(AppError::invalid("person", "must be a user id")),
        },
    };
    let day = |name: &str| -> Result<Option<i64>, AppError> {
        match query.get(name)? {
            None => Ok(None),
            Some(raw) => {
                let day = date(raw).map_err(|e| AppError::invalid(name, e))?;
                Ok(day_start(&day))
            }
        }
    };
    let one_day = day("date")?;
    let filter = Filter {
        person,
        from: day("from")?.max(one_day),
        to: [day("to")?, one_day]
            .into_iter()
            .flatten()
            .min()
            .map(|start| start + 86_400),
    };
    let (entries, total) = db.run(move |conn| audit::list(conn, filter, page)).await?;
    let views: Vec<AuditView> = entries
        .into_iter()
        .map(|e| AuditView {
            id: e.id,
            at: HttpDate(e.at),
            actor_id: e.actor_id,
            actor: e.actor,
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            patron_id: e.patron_id,
            detail: e.detail,
        })
        .collect();
    Ok(Success::list("GET AUDIT", views, paging::meta(page, total)))
}
