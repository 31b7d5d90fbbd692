//! /users: registration, login, profiles, pictures, roles, deletion; password reset in
//! `reset`.

use std::sync::Arc;

use rocket::tokio::task::spawn_blocking;
use rocket::{delete, get, patch, post, put, routes, Route, State};
use serde_json::{json, Map, Value};

use crate::auth::device::DeviceKeys;
use crate::auth::guards::ClientAddr;
use crate::auth::jwt::Keys;
use crate::auth::throttle::{Caller, LoginThrottle};
use crate::auth::{password, Admin, AuthUser, Bearer};
use crate::config::Config;
use crate::db::Db;
use crate::domain::{PatronStatus, Role, UserId};
use crate::error::{AppError, ErrorEnvelope, Refusal};
use crate::media::{replace_picture, Kind, MediaStore};
use crate::models::audit::{self, Action};
use crate::models::library_settings::{self, Registration};
use crate::models::user::{self, NewUser, User, DEFAULT_IMAGE};
use crate::models::{loan, now};
use crate::services::lending::{self, Policy};
use crate::views::envelope::{Envelope, ListEnvelope};
use crate::views::envelope::{Reply, Success};
use crate::views::input::{Empty, Fields, Multipart, NoFields};
use crate::views::paging;
use crate::views::query::QueryParams;
use crate::views::upload::ImageUpload;
use rocket::http::Status;
pub(crate) mod account;
pub(crate) mod reset;

use crate::views::user::{
    LoginReply, LoginRequest, RegisterRequest, RoleRequest, UserView, UsernameRequest,
};

pub fn routes() -> Vec<Route> {
    routes![
        register,
        login,
        me,
        list,
        by_id,
        by_username,
        change_username,
        change_image,
        reset::forgot_password,
        reset::reset_password,
        account::change_password,
        account::reading_history,
        account::choose_reading_history,
        change_role,
        delete_user,
    ]
}

/// The status a registration gets under the library's `registration` setting, or why
/// it is refused. The first account of an empty database (its admin) is always taken.
fn registration_status(conn: &rusqlite::Connection) -> Result<PatronStatus, AppError> {
    if user::count(conn)? == 0 {
        return Ok(PatronStatus::Active);
    }
    match library_settings::load(conn)?.registration {
        Registration::Open => Ok(PatronStatus::Active),
        Registration::Approval => Ok(PatronStatus::Pending),
        Registration::Closed => Err(Refusal::new(
            "registration_closed",
            "email",
            "this library does not take registrations here; ask the staff for an account",
        )
        .status(Status::Forbidden)
        .into()),
    }
}

/// Registers a new user; the first user of an empty database becomes its admin. With
/// `registration` closed staff create accounts instead (403); with `approval` the account
/// is `pending` until staff make it active.
#[utoipa::path(tag = "users", request_body = RegisterRequest, responses(
    (status = 201, description = "Registered (`status` is `pending` when registrations wait for approval)", body = Envelope<UserView>),
    (status = 403, description = "Registration is closed (`registration_closed`)", body = ErrorEnvelope),
    (status = 409, description = "E-mail or username already in use (any letter case)", body = ErrorEnvelope),
))]
#[post("/users/register", data = "<body>")]
pub(crate) async fn register(
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<RegisterRequest>,
) -> Reply {
    let new = body.0.validate()?;
    // Refused before the slow hash when closed; decided again in the write.
    db.run(|conn| registration_status(conn).map(|_| ())).await?;
    let hash = password::hash(&new.password, config.bcrypt_cost).await?;
    let card_prefix = config.card_prefix.clone();
    let user = db
        .write(move |tx| {
            let status = registration_status(tx)?;
            user::insert(
                tx,
                &NewUser {
                    email: Some(&new.email),
                    username: &new.username,
                    password_hash: Some(&hash),
                    role: None,
                    card_prefix: &card_prefix,
                    status,
                },
            )
        })
        .await?;
    Ok(Success::created("REGISTER", UserView::own(&user)))
}

/// Logs in by e-mail, username or card number, and password or PIN. An account without
/// a password or PIN, or of someone who left, cannot sign in (401). Besides the envelope, the answer carries
/// the seed's top-level `access_token`, plus `token_type`, `expires_in` and a
/// `device_token` for this client's next login.
#[utoipa::path(tag = "users", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in", body = LoginReply),
    (status = 401, description = "Wrong e-mail or password (the same answer for both)", body = ErrorEnvelope),
    (status = 403, description = "The account waits for approval (`awaiting_approval`)", body = ErrorEnvelope),
    (status = 429, description = "Too many failed logins for this account, this address or the two together", body = ErrorEnvelope,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/users/login", data = "<body>")]
pub(crate) async fn login(
    db: &State<Db>,
    keys: &State<Keys>,
    devices: &State<DeviceKeys>,
    throttle: &State<LoginThrottle>,
    client: ClientAddr,
    body: Fields<LoginRequest>,
) -> Reply {
    let attempt = body.0.validate()?;
    let lookup = attempt.login.clone();
    let found = db
        .run(move |conn| user::find_by_login(conn, &lookup))
        .await?;
    // Count by account when there is one, so e-mail and username share a count; a name
    // no account has is counted apart, so typing "#7" cannot spend account 7's count.
    let account = match &found {
        Some(user) => format!("#{}", user.id),
        None => format!("name:{}", attempt.login),
    };
    let device = found
        .as_ref()
        .zip(attempt.device_token.as_deref())
        .and_then(|(user, token)| devices.verify(token, user));
    // Reserved before the (slow) password check, so concurrent guesses count at once.
    let reserved = throttle
        .reserve(&Caller {
            account: &account,
            address: &client.0,
            device: device.as_deref(),
        })
        .map_err(|retry_after| AppError::TooMany { retry_after })?;
    let hash = found.as_ref().and_then(|u| u.password_hash.clone());
    let matches = password::verify(&attempt.password, hash).await?;
    let user = match found {
        Some(user) if matches => user,
        _ => {
            reserved.failed();
            return Err(AppError::Unauthorized);
        }
    };
    reserved.succeeded();
    match user.status {
        // Someone who left is as unknown here as a wrong password.
        PatronStatus::Left => return Err(AppError::Unauthorized),
        PatronStatus::Pending => {
            return Err(Refusal::new(
                "awaiting_approval",
                "email",
                "this account waits for the library staff to approve it",
            )
            .status(Status::Forbidden)
            .into())
        }
        PatronStatus::Active | PatronStatus::Blocked => {}
    }
    let token = keys.issue(&user)?;
    let mut top = Map::new();
    top.insert("access_token".into(), Value::String(token));
    top.insert("token_type".into(), json!("Bearer"));
    top.insert("expires_in".into(), json!(keys.ttl_secs));
    top.insert("device_token".into(), Value::String(devices.issue(&user)));
    Ok(Success::ok("LOGIN", UserView::own(&user)).with_top_level(top))
}

/// The caller's own account.
#[utoipa::path(tag = "users", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The caller", body = Envelope<UserView>),
))]
#[get("/users/me")]
pub(crate) async fn me(auth: AuthUser) -> Reply {
    Ok(Success::ok("GET USER", UserView::own(&auth.0)))
}

/// Members may see other people only when the library's `members_see_names` is on, and
/// then only their usernames and pictures.
pub(crate) fn may_see_others(conn: &rusqlite::Connection, viewer: &User) -> Result<(), AppError> {
    if viewer.is_staff() || library_settings::load(conn)?.members_see_names {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Lists users by id, optionally those whose username starts with `q` (any letter case).
/// Staff only, unless the library lets members see usernames (`members_see_names`).
#[utoipa::path(tag = "users", security(("bearer" = []), ("access_token" = [])), params(
    ("q" = Option<String>, Query, description = "Username prefix", max_length = 32),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of users", body = ListEnvelope<UserView>),
))]
#[get("/users")]
pub(crate) async fn list(auth: AuthUser, db: &State<Db>, query: QueryParams) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let q = query.get("q")?.map(str::to_string);
    if q.as_ref().is_some_and(|q| q.chars().count() > 32) {
        return Err(AppError::invalid("q", "must be at most 32 characters"));
    }
    let viewer = auth.0.clone();
    let (users, total) = db
        .run(move |conn| {
            may_see_others(conn, &viewer)?;
            user::list(conn, q.as_deref().map(str::trim), page)
        })
        .await?;
    let views: Vec<UserView> = users.iter().map(|u| UserView::new(u, &auth.0)).collect();
    Ok(Success::list("GET USERS", views, paging::meta(page, total)))
}

async fn load(db: &Db, id: UserId) -> Result<User, AppError> {
    db.run(move |conn| user::find(conn, id))
        .await?
        .ok_or(AppError::NotFound)
}

/// One user by id.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The user", body = Envelope<UserView>),
))]
#[get("/users/<id>", rank = 2)]
pub(crate) async fn by_id(id: UserId, token: Bearer, db: &State<Db>) -> Reply {
    // A hot read: the caller's check and the lookup, two rows by their keys, at once.
    let (viewer, user) = db
        .read_now(move |conn| {
            let viewer = token.user(conn)?;
            let user = seen_by_id(conn, &viewer, id)?;
            Ok((viewer, user))
        })
        .await?;
    Ok(Success::ok("GET USER", UserView::new(&user, &viewer)))
}

/// One user by username (any letter case).
#[utoipa::path(tag = "users", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The user", body = Envelope<UserView>),
))]
#[get("/users/username/<username>")]
pub(crate) async fn by_username(username: &str, auth: AuthUser, db: &State<Db>) -> Reply {
    let username = username.to_string();
    let viewer = auth.0.clone();
    let user = db
        .run(move |conn| seen_by_username(conn, &viewer, &username))
        .await?;
    Ok(Success::ok("GET USER", UserView::new(&user, &auth.0)))
}

/// User `id` as `viewer` may see them: themself, or anyone when `may_see_others`.
pub(crate) fn seen_by_id(
    conn: &rusqlite::Connection,
    viewer: &User,
    id: UserId,
) -> Result<User, AppError> {
    if viewer.id != id {
        may_see_others(conn, viewer)?;
    }
    user::find(conn, id)?.ok_or(AppError::NotFound)
}

/// The user named `username` (any letter case), as `viewer` may see them.
pub(crate) fn seen_by_username(
    conn: &rusqlite::Connection,
    viewer: &User,
    username: &str,
) -> Result<User, AppError> {
    let found = user::find_by_username(conn, username)?;
    if found.as_ref().is_none_or(|u| u.id != viewer.id) {
        may_see_others(conn, viewer)?;
    }
    found.ok_or(AppError::NotFound)
}

/// Changes a username: the user themself, or an admin.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body = UsernameRequest, responses(
    (status = 200, description = "Renamed", body = Envelope<UserView>),
    (status = 409, description = "The username is taken", body = ErrorEnvelope),
))]
#[patch("/users/<id>/username", data = "<body>")]
pub(crate) async fn change_username(
    id: UserId,
    auth: AuthUser,
    db: &State<Db>,
    body: Fields<UsernameRequest>,
) -> Reply {
    auth.require_self_or_admin(id)?;
    let username = body.0.validate()?;
    let user = rename(db, auth.0.clone(), id, username).await?;
    Ok(Success::ok(
        "CHANGE USERNAME",
        UserView::new(&user, &auth.0),
    ))
}

/// Gives user `id` a new username (the caller, `actor`, may do so); the user as renamed.
pub(crate) async fn rename(
    db: &Db,
    actor: User,
    id: UserId,
    username: crate::domain::Username,
) -> Result<User, AppError> {
    db.write(move |tx| {
        user::find(tx, id)?.ok_or(AppError::NotFound)?;
        user::set_username(tx, id, &username)?;
        if actor.id != id {
            audit::record(
                tx,
                &actor,
                Action::new("user.username", "user", id.get()).patron(id),
            )?;
        }
        user::find(tx, id)?.ok_or(AppError::NotFound)
    })
    .await
}

/// Sets a profile picture from a PNG, JPEG, GIF or WebP upload (judged by content),
/// resized to fit 256×256 and re-encoded; the previous picture is removed.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])),
    request_body(content = inline(ImageUpload), content_type = "multipart/form-data",
        description = "The picture, as the multipart field `image` (any other name is a 400)"),
    responses(
        (status = 200, description = "The user with the new `image_file`", body = Envelope<UserView>),
))]
#[put("/users/<id>/image", data = "<upload>")]
pub(crate) async fn change_image(
    id: UserId,
    auth: AuthUser,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    upload: Multipart,
) -> Reply {
    auth.require_self_or_admin(id)?;
    load(db, id).await?;
    let file = upload.0.file_alone("image")?;
    let user = set_picture(db, media, id, file.bytes).await?;
    Ok(Success::ok(
        "UPDATE PROFILE PICTURE",
        UserView::new(&user, &auth.0),
    ))
}

/// Makes `bytes` (a picture upload) user `id`'s picture; the user with it.
pub(crate) async fn set_picture(
    db: &Db,
    media: &Arc<MediaStore>,
    id: UserId,
    bytes: Vec<u8>,
) -> Result<User, AppError> {
    replace_picture(media, Kind::Profile, bytes, |name| {
        db.write(move |tx| {
            let replaced = user::set_image(tx, id, &name)?;
            // The built-in default is not a file of ours to remove.
            Ok(replaced.map(|old| (old != DEFAULT_IMAGE).then_some(old)))
        })
    })
    .await?;
    load(db, id).await
}

/// Sets a user's role (admins only). The last admin cannot be demoted.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body = RoleRequest, responses(
    (status = 200, description = "Role changed", body = Envelope<UserView>),
    (status = 409, description = "That would leave no admin", body = ErrorEnvelope),
))]
#[patch("/users/<id>/role", data = "<body>")]
pub(crate) async fn change_role(
    id: UserId,
    admin: Admin,
    db: &State<Db>,
    body: Fields<RoleRequest>,
) -> Reply {
    let role = body.0.validate()?;
    let actor = admin.0.clone();
    let user = db
        .write(move |tx| {
            let target = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if role != Role::Admin && user::is_last_admin(tx, &target)? {
                return Err(AppError::conflict(
                    "role",
                    "the last admin cannot be demoted",
                ));
            }
            user::set_role(tx, id, role)?;
            audit::record(
                tx,
                &actor,
                Action::new("user.role", "user", id.get())
                    .patron(id)
                    .detail(role.as_str()),
            )?;
            user::find(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Success::ok("CHANGE ROLE", UserView::new(&user, &admin.0)))
}

/// Deletes a user (themself, or by an admin) with their picture. Someone with loan
/// history is deactivated instead (`status` left, message `DEACTIVATE USER`): the history
/// stays; an admin can erase their personal data (POST /patrons/{id}/erase).
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Deleted (the user as it was), or deactivated (`DEACTIVATE USER`, the user as they are now)", body = Envelope<UserView>),
    (status = 409, description = "The user has books on loan, or is the last admin", body = ErrorEnvelope),
))]
#[delete("/users/<id>", data = "<_body>")]
pub(crate) async fn delete_user(
    id: UserId,
    auth: AuthUser,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    auth.require_self_or_admin(id)?;
    let policy = Policy::from_config(config);
    let actor = auth.0.clone();
    let (removed, deleted) = db
        .write(move |tx| {
            let target = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if user::is_last_admin(tx, &target)? {
                return Err(AppError::conflict("id", "the last admin cannot be deleted"));
            }
            if loan::count_out_for_user(tx, id)? > 0 {
                return Err(AppError::conflict("id", "the user has books on loan"));
            }
            // Their holds go; a copy one kept passes to the next reader.
            lending::cancel_holds_of(tx, policy, id, now())?;
            let history = loan::count_all_for_user(tx, id)? > 0;
            let what = match history {
                true => "user.deactivate",
                false => "user.delete",
            };
            // Recorded first, while the person exists; a deletion then unlinks the entry
            // (its subject_id still names the account).
            if actor.id != id {
                audit::record(tx, &actor, Action::new(what, "user", id.get()).patron(id))?;
            }
            match history {
                true => user::set_status(tx, id, PatronStatus::Left)?,
                false => {
                    user::delete(tx, id)?;
                }
            }
            match history {
                true => Ok((user::find(tx, id)?.ok_or(AppError::NotFound)?, false)),
                false => Ok((target, true)),
            }
        })
        .await?;
    if !deleted {
        return Ok(Success::ok(
            "DEACTIVATE USER",
            UserView::new(&removed, &auth.0),
        ));
    }
    if removed.image_file != DEFAULT_IMAGE {
        let store = Arc::clone(media);
        let file = removed.image_file.clone();
        spawn_blocking(move || store.remove(Kind::Profile, &file)).await?;
    }
    Ok(Success::ok("DELETE USER", UserView::new(&removed, &auth.0)))
}
