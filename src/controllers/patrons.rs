//! /patrons (staff): the readers' records — list, add, change, block, deactivate,
//! erase; class lists and the end of the school year in `class_list`.

use std::sync::Arc;

use rocket::tokio::task::spawn_blocking;
use rocket::{get, patch, post, routes, Route, State};
use rusqlite::Connection;

use crate::auth::{password, Admin, Librarian};
use crate::config::Config;
use crate::db::Db;
use crate::domain::{Password, PatronStatus, Role, UserId};
use crate::error::{ApiResult, AppError, ErrorEnvelope, Refusal};
use crate::media::{Kind, MediaStore};
use crate::models::audit::{self, Action};
use crate::models::user::{self, PatronFilter, User, DEFAULT_IMAGE};
use crate::models::{loan, now};
use crate::services::lending::{self, Policy};
use crate::views::envelope::{Envelope, ListEnvelope, Reply, Success};
use crate::views::input::{Empty, Fields, NoFields};
use crate::views::paging;
use crate::views::patron::{NewPatronRequest, PatronPatch, PatronRequest, PatronView, Secret};
use crate::views::query::QueryParams;

pub(crate) mod class_list;

pub fn routes() -> Vec<Route> {
    routes![
        list,
        create,
        change,
        erase,
        class_list::import,
        class_list::school_year
    ]
}

/// Patrons by name: all of them, or those whose name (or a word of it), username, card
/// number or group starts with `q`; narrowed to a `group` or a `status`.
#[utoipa::path(tag = "patrons", security(("bearer" = []), ("access_token" = [])), params(
    ("q" = Option<String>, Query, max_length = 200, description = "Name, card number or group"),
    ("group" = Option<String>, Query, max_length = 50, description = "Only this group (any letter case)"),
    ("status" = Option<String>, Query, pattern = "^(active|blocked|left|pending)$"),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of patrons", body = ListEnvelope<PatronView>),
))]
#[get("/patrons")]
pub(crate) async fn list(_staff: Librarian, db: &State<Db>, query: QueryParams) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let blank_is_none = |text: Option<&str>| {
        text.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let text = blank_is_none(query.get("q")?);
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(AppError::invalid("q", "must be at most 200 characters"));
    }
    let group = blank_is_none(query.get("group")?);
    if group.as_ref().is_some_and(|g| g.chars().count() > 50) {
        return Err(AppError::invalid("group", "must be at most 50 characters"));
    }
    let status = match query.get("status")? {
        None => None,
        Some(raw) => Some(PatronStatus::parse(raw).map_err(|e| AppError::invalid("status", e))?),
    };
    let filter = PatronFilter {
        text,
        group,
        status,
    };
    let (views, total) = db
        .run(move |conn| {
            let (found, total) = user::list_patrons(conn, &filter, page)?;
            let views = found
                .iter()
                .map(|patron| {
                    let mut view = PatronView::new(patron);
                    view.loans_out = Some(loan::count_out_for_user(conn, patron.id)?);
                    Ok(view)
                })
                .collect::<ApiResult<Vec<_>>>()?;
            Ok((views, total))
        })
        .await?;
    Ok(Success::list(
        "GET PATRONS",
        views,
        paging::meta(page, total),
    ))
}

/// The hash of the secret a request sets, made before the write (bcrypt is slow).
async fn hashed(patch: &PatronPatch, cost: u32) -> ApiResult<Option<Option<String>>> {
    Ok(match &patch.secret {
        None => None,
        Some(None) => Some(None),
        Some(Some(secret)) => {
            let text = match secret {
                Secret::Pin(pin) => Password::of_pin(pin),
                Secret::Password(password) => password.clone(),
            };
            Some(Some(password::hash(&text, cost).await?))
        }
    })
}

/// What a change of status is called in the audit log.
fn status_action(before: PatronStatus, after: PatronStatus) -> &'static str {
    match (before, after) {
        (a, b) if a == b => "patron.update",
        (_, PatronStatus::Blocked) => "patron.block",
        (PatronStatus::Blocked, PatronStatus::Active) => "patron.unblock",
        (PatronStatus::Pending, PatronStatus::Active) => "patron.approve",
        (_, PatronStatus::Left) => "patron.leave",
        _ => "patron.update",
    }
}

/// Applies a checked change to the patron and records it; the patron as they are now.
fn apply(
    tx: &Connection,
    policy: Policy,
    staff: &User,
    id: UserId,
    patch: &PatronPatch,
    secret: Option<Option<String>>,
    created: bool,
) -> ApiResult<User> {
    let current = user::find(tx, id)?.ok_or(AppError::NotFound)?;
    if current.erased_at.is_some() {
        return Err(AppError::conflict(
            "id",
            "this patron's personal data was erased; add them again as a new patron",
        ));
    }
    let record = patch.apply(&current)?;
    let leaves = record.status == PatronStatus::Left && current.status != PatronStatus::Left;
    if leaves && user::is_last_admin(tx, &current)? {
        return Err(AppError::conflict(
            "status",
            "the last admin cannot leave: make someone else admin first",
        ));
    }
    if let Some(username) = &patch.username {
        user::set_username(tx, id, username)?;
    }
    user::save_patron(tx, id, &record)?;
    // Someone who left collects nothing: copies kept for them pass to the next reader.
    if leaves {
        lending::cancel_holds_of(tx, policy, id, now())?;
    }
    if let Some(hash) = &secret {
        user::set_password(tx, id, hash.as_deref())?;
    }
    let action = match created {
        true => "patron.create",
        false => status_action(current.status, record.status),
    };
    let mut said = Vec::new();
    if action == "patron.block" {
        said.push(format!(
            "reason: {}",
            record.blocked_reason.as_deref().unwrap_or("")
        ));
    }
    if secret.is_some() {
        said.push("sign-in secret set".into());
    }
    audit::record(
        tx,
        staff,
        Action::new(action, "patron", id.get())
            .patron(id)
            .detail(said.join("; ")),
    )?;
    user::find(tx, id)?.ok_or(AppError::NotFound)
}

/// Adds a patron (a member). Only the full name is needed: the username is made from it
/// and the card is the library's next number, unless given. Without a PIN or password the
/// patron cannot sign in; staff lend to them by card.
#[utoipa::path(tag = "patrons", security(("bearer" = []), ("access_token" = [])), request_body = NewPatronRequest, responses(
    (status = 201, description = "Added", body = Envelope<PatronView>),
    (status = 409, description = "The username, e-mail or card number is taken", body = ErrorEnvelope),
))]
#[post("/patrons", data = "<body>")]
pub(crate) async fn create(
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<NewPatronRequest>,
) -> Reply {
    let patch = body.0.validate()?;
    let secret = hashed(&patch, config.bcrypt_cost).await?;
    let prefix = config.card_prefix.clone();
    let policy = Policy::from_config(config);
    let staff = staff.0;
    let added = db
        .write(move |tx| {
            let name = patch.full_name.clone().flatten().unwrap_or_default();
            let username = match &patch.username {
                Some(chosen) => chosen.clone(),
                None => user::free_username(tx, &name)?,
            };
            let made = user::insert_patron(tx, &username, &prefix)?;
            let mut patch = patch;
            patch.username = None;
            apply(tx, policy, &staff, made.id, &patch, secret, true)
        })
        .await?;
    Ok(Success::created("CREATE PATRON", PatronView::new(&added)))
}

/// Changes a patron's record: name, card, group, contact, note, card expiry, status
/// (block with a reason, unblock, deactivate, approve) and their PIN or password.
#[utoipa::path(params(("id" = i64, Path)), tag = "patrons", security(("bearer" = []), ("access_token" = [])),
    request_body(content = Option<PatronRequest>, description = "What to change; nothing changes nothing"), responses(
    (status = 200, description = "Changed", body = Envelope<PatronView>),
    (status = 409, description = "The card number, username or e-mail is someone else's, or the record was erased", body = ErrorEnvelope),
))]
#[patch("/patrons/<id>", data = "<body>")]
pub(crate) async fn change(
    id: UserId,
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<PatronRequest>,
) -> Reply {
    let patch = body.0.validate()?;
    let secret = hashed(&patch, config.bcrypt_cost).await?;
    let policy = Policy::from_config(config);
    let staff = staff.0;
    let changed = db
        .write(move |tx| {
            let target = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if !may_change(&staff, &target) {
                return Err(AppError::Forbidden);
            }
            apply(tx, policy, &staff, id, &patch, secret, false)
        })
        .await?;
    Ok(Success::ok("UPDATE PATRON", PatronView::new(&changed)))
}

/// Erases a patron's personal data (admins): name, username, addresses, card, group,
/// note, picture and sign-in go; their loans stay, unlinked, so every count survives.
/// Refused while they have copies out.
#[utoipa::path(params(("id" = i64, Path)), tag = "patrons", security(("bearer" = []), ("access_token" = [])),
    request_body(content = Option<Empty>, description = "Nothing, or an empty object"), responses(
    (status = 200, description = "Erased; the record as it is now", body = Envelope<PatronView>),
    (status = 409, description = "Copies are still out to them (`loans_out`), or they are the last admin", body = ErrorEnvelope),
))]
#[post("/patrons/<id>/erase", data = "<_body>")]
pub(crate) async fn erase(
    id: UserId,
    admin: Admin,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let policy = Policy::from_config(config);
    let admin = admin.0;
    let (erased, picture) = db
        .write(move |tx| {
            let target = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if user::is_last_admin(tx, &target)? {
                return Err(AppError::conflict("id", "the last admin cannot be erased"));
            }
            let out = loan::count_out_for_user(tx, id)?;
            if out > 0 {
                return Err(Refusal::new(
                    "loans_out",
                    "id",
                    format!(
                        "{} still has {out} book(s) on loan; check them in first",
                        target.display_name()
                    ),
                )
                .param("loans_out", out)
                .into());
            }
            lending::cancel_holds_of(tx, policy, id, now())?;
            loan::unlink_user(tx, id)?;
            user::erase(tx, id)?;
            let erased = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            audit::forget_person(tx, id, &erased.username)?;
            audit::record(
                tx,
                &admin,
                Action::new("patron.erase", "patron", id.get()).patron(id),
            )?;
            let picture = (target.image_file != DEFAULT_IMAGE).then_some(target.image_file);
            Ok((erased, picture))
        })
        .await?;
    if let Some(file) = picture {
        let store = Arc::clone(media);
        spawn_blocking(move || store.remove(Kind::Profile, &file)).await?;
    }
    Ok(Success::ok("ERASE PATRON", PatronView::new(&erased)))
}

/// Whether `staff` may change this person's record: anyone's for an admin; a librarian
/// their own and members' only.
fn may_change(staff: &User, target: &User) -> bool {
    staff.role == Role::Admin || staff.id == target.id || target.role == Role::Member
}
