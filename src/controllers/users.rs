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
use crate::domain::{Role, UserId};
use crate::error::AppError;
use crate::error::ErrorEnvelope;
use crate::media::{replace_picture, Kind, MediaStore};
use crate::models::user::{self, NewUser, User, DEFAULT_IMAGE};
use crate::models::{loan, now};
use crate::services::lending::{self, Policy};
use crate::views::envelope::{Envelope, ListEnvelope};
use crate::views::envelope::{Reply, Success};
use crate::views::input::{Empty, Fields, Multipart, NoFields};
use crate::views::paging;
use crate::views::query::QueryParams;
use crate::views::upload::ImageUpload;
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
        change_role,
        delete_user,
    ]
}

/// Registers a new user; the first user of an empty database becomes its admin.
#[utoipa::path(tag = "users", request_body = RegisterRequest, responses(
    (status = 201, description = "Registered", body = Envelope<UserView>),
    (status = 409, description = "E-mail or username already in use (any letter case)", body = ErrorEnvelope),
))]
#[post("/users/register", data = "<body>")]
pub(crate) async fn register(
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<RegisterRequest>,
) -> Reply {
    let new = body.0.validate()?;
    let hash = password::hash(&new.password, config.bcrypt_cost).await?;
    let card_prefix = config.card_prefix.clone();
    let user = db
        .write(move |tx| {
            user::insert(
                tx,
                &NewUser {
                    email: &new.email,
                    username: &new.username,
                    password_hash: &hash,
                    role: None,
                    card_prefix: &card_prefix,
                },
            )
        })
        .await?;
    Ok(Success::created("REGISTER", UserView::own(&user)))
}

/// Logs in by e-mail (or username) and password. Besides the envelope, the answer carries
/// the seed's top-level `access_token`, plus `token_type`, `expires_in` and a
/// `device_token` for this client's next login.
#[utoipa::path(tag = "users", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in", body = LoginReply),
    (status = 401, description = "Wrong e-mail or password (the same answer for both)", body = ErrorEnvelope),
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
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let matches = password::verify(&attempt.password, hash).await?;
    let user = match found {
        Some(user) if matches => user,
        _ => {
            reserved.failed();
            return Err(AppError::Unauthorized);
        }
    };
    reserved.succeeded();
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

/// Lists users by id, optionally those whose username starts with `q` (any letter case).
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
    if q.as_ref().is_some_and(|q| q.len() > 32) {
        return Err(AppError::invalid("q", "must be at most 32 characters"));
    }
    let (users, total) = db
        .run(move |conn| user::list(conn, q.as_deref().map(str::trim), page))
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
    // A hot read: the caller's check and the lookup share one trip to the database.
    let (viewer, user) = db
        .run(move |conn| {
            let viewer = token.user(conn)?;
            let user = user::find(conn, id)?.ok_or(AppError::NotFound)?;
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
    let user = db
        .run(move |conn| user::find_by_username(conn, &username))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Success::ok("GET USER", UserView::new(&user, &auth.0)))
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
    let user = db
        .write(move |tx| {
            user::find(tx, id)?.ok_or(AppError::NotFound)?;
            user::set_username(tx, id, &username)?;
            user::find(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Success::ok(
        "CHANGE USERNAME",
        UserView::new(&user, &auth.0),
    ))
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
    replace_picture(media, Kind::Profile, file.bytes, |name| {
        db.write(move |tx| {
            let replaced = user::set_image(tx, id, &name)?;
            // The built-in default is not a file of ours to remove.
            Ok(replaced.map(|old| (old != DEFAULT_IMAGE).then_some(old)))
        })
    })
    .await?;
    let user = load(db, id).await?;
    Ok(Success::ok(
        "UPDATE PROFILE PICTURE",
        UserView::new(&user, &auth.0),
    ))
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
    let user = db
        .write(move |tx| {
            let target = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if target.role == Role::Admin && role != Role::Admin && user::count_admins(tx)? <= 1 {
                return Err(AppError::conflict(
                    "role",
                    "the last admin cannot be demoted",
                ));
            }
            user::set_role(tx, id, role)?;
            user::find(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Success::ok("CHANGE ROLE", UserView::new(&user, &admin.0)))
}

/// Deletes a user (themself, or by an admin), with their picture and history.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Deleted; the user as it was", body = Envelope<UserView>),
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
    let removed = db
        .write(move |tx| {
            let target = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if target.role == Role::Admin && user::count_admins(tx)? <= 1 {
                return Err(AppError::conflict("id", "the last admin cannot be deleted"));
            }
            if loan::count_out_for_user(tx, id)? > 0 {
                return Err(AppError::conflict("id", "the user has books on loan"));
            }
            // Their holds go with them; a copy one kept passes to the next reader.
            lending::cancel_holds_of(tx, policy, id, now())?;
            user::delete(tx, id)?;
            Ok(target)
        })
        .await?;
    if removed.image_file != DEFAULT_IMAGE {
        let store = Arc::clone(media);
        let file = removed.image_file.clone();
        spawn_blocking(move || store.remove(Kind::Profile, &file)).await?;
    }
    Ok(Success::ok("DELETE USER", UserView::new(&removed, &auth.0)))
}
