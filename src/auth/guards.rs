//! Request guards: a handler's signature says who may call it. No or bad token → 401,
//! a valid token with too little power → 403.

use rocket::outcome::{try_outcome, Outcome};
use rocket::request::{self, FromRequest, Request};
use rocket::State;

use super::jwt::Keys;
use crate::db::Db;
use crate::domain::Role;
use crate::error::AppError;
use crate::models::user::{self, User};

/// The caller, with a valid token for an existing user.
pub struct AuthUser(pub User);

/// A caller who is at least a librarian.
pub struct Librarian(pub User);

/// A caller who is an admin.
pub struct Admin(pub User);

fn deny<T>(req: &Request<'_>, error: AppError) -> request::Outcome<T, ()> {
    crate::views::input::fail(req, error)
}

/// The token from `Authorization: Bearer …`, or from the seed clients' `access_token` header.
fn bearer<'r>(req: &'r Request<'_>) -> Option<&'r str> {
    if let Some(value) = req.headers().get_one("Authorization") {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim());
    }
    req.headers().get_one("access_token").map(str::trim)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let (Some(keys), Some(db)) = (
            req.guard::<&State<Keys>>().await.succeeded(),
            req.guard::<&State<Db>>().await.succeeded(),
        ) else {
            return deny(req, AppError::Internal("auth state missing".into()));
        };
        let Some(claims) = bearer(req).and_then(|token| keys.verify(token)) else {
            return deny(req, AppError::Unauthorized);
        };
        let Ok(id) = claims.sub.parse::<i64>() else {
            return deny(req, AppError::Unauthorized);
        };
        let found = db.run(move |conn| user::find(conn, id)).await;
        match found {
            Ok(Some(user)) if user.token_version == claims.ver => Outcome::Success(AuthUser(user)),
            Ok(_) => deny(req, AppError::Unauthorized),
            Err(e) => deny(req, e),
        }
    }
}

async fn with_role(req: &Request<'_>, least: Role) -> request::Outcome<User, ()> {
    let AuthUser(user) = try_outcome!(req.guard::<AuthUser>().await);
    if user.role >= least {
        Outcome::Success(user)
    } else {
        deny(req, AppError::Forbidden)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Librarian {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        with_role(req, Role::Librarian).await.map(Librarian)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Admin {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        with_role(req, Role::Admin).await.map(Admin)
    }
}

/// The client's address, for throttling ("unknown" when Rocket cannot tell).
pub struct ClientAddr(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddr {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let addr = req
            .client_ip()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into());
        Outcome::Success(ClientAddr(addr))
    }
}

impl AuthUser {
    /// 403 unless the caller is the user `id` or an admin.
    pub fn require_self_or_admin(&self, id: i64) -> Result<(), AppError> {
        if self.0.id == id || self.0.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
