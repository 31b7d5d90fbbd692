//! Request guards: a handler's signature says who may call it. No or bad token → 401,
//! a valid token with too little power → 403.

use std::net::IpAddr;

use rocket::outcome::{try_outcome, Outcome};
use rocket::request::{self, FromRequest, Request};
use rocket::State;

use super::jwt::Keys;
use crate::db::Db;
use crate::domain::{Role, UserId};
use crate::error::AppError;
use crate::models::user::{self, User};

/// The caller, with a valid token for an existing user.
pub struct AuthUser(pub User);

/// A caller who is at least a librarian.
pub struct Librarian(pub User);

/// A caller who is an admin.
pub struct Admin(pub User);

fn deny<T>(req: &Request<'_>, error: AppError) -> request::Outcome<T, ()> {
    crate::error::fail(req, error)
}

/// The token from `Authorization: Bearer …`, or from the seed clients' `access_token` header.
fn bearer<'r>(req: &'r Request<'_>) -> Option<&'r str> {
    if let Some(value) = req.headers().get_one("Authorization") {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim());
    }
    req.headers().get_one("access_token").map(str::trim)
}

/// A correctly signed, unexpired token: who it names and the token version it carries.
/// Checking it costs no database trip; `Bearer::user` finishes the job inside one.
pub struct Bearer {
    user_id: UserId,
    version: i64,
    key: String,
}

impl Bearer {
    /// The token's user, if it still exists, no password reset has voided the token, and
    /// they have not left (or wait for approval): a deactivated person's token opens
    /// nothing. Takes a connection so a handler can do this and its own reads in one trip.
    pub fn user(&self, conn: &rusqlite::Connection) -> Result<User, AppError> {
        match user::find(conn, self.user_id)? {
            Some(user)
                if user.token_version == self.version
                    && !self.key.is_empty()
                    && user.token_key == self.key
                    && user.status.may_sign_in() =>
            {
                Ok(user)
            }
            _ => Err(AppError::Unauthorized),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Bearer {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let Some(keys) = req.guard::<&State<Keys>>().await.succeeded() else {
            return deny(req, AppError::Internal("auth state missing".into()));
        };
        let claims = bearer(req).and_then(|token| keys.verify(token));
        match claims.and_then(|c| Some((UserId::new(c.sub.parse::<i64>().ok()?), c.ver, c.key))) {
            Some((user_id, version, key)) => Outcome::Success(Bearer {
                user_id,
                version,
                key,
            }),
            None => deny(req, AppError::Unauthorized),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let token = try_outcome!(req.guard::<Bearer>().await);
        let Some(db) = req.guard::<&State<Db>>().await.succeeded() else {
            return deny(req, AppError::Internal("auth state missing".into()));
        };
        match db.read_now(move |conn| token.user(conn)).await {
            Ok(user) => Outcome::Success(AuthUser(user)),
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

/// The client's address, for throttling ("unknown" when Rocket cannot tell). It is the
/// connection's peer unless `ip_header` names a header to trust (set it only behind a
/// reverse proxy that overwrites that header: anyone else can send it). An IPv6 client is
/// counted by its /64, which one machine commonly has whole.
pub struct ClientAddr(pub String);

impl ClientAddr {
    pub fn of(ip: Option<IpAddr>) -> ClientAddr {
        let key = match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V6(v6)) => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        };
        ClientAddr(key)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddr {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        Outcome::Success(ClientAddr::of(req.client_ip()))
    }
}

impl AuthUser {
    /// 403 unless the caller is the user `id` or an admin.
    pub fn require_self_or_admin(&self, id: UserId) -> Result<(), AppError> {
        if self.0.id == id || self.0.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClientAddr;

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let of = |ip: &str| ClientAddr::of(Some(ip.parse().unwrap())).0;
        assert_eq!(of("192.0.2.7"), "192.0.2.7");
        assert_eq!(of("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(of("2001:db8:1:2:aaaa::1"), of("2001:db8:1:2:bbbb::2"));
        assert_eq!(of("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(of("2001:db8:1:2::1"), of("2001:db8:1:3::1"));
        assert_eq!(ClientAddr::of(None).0, "unknown");
    }
}

/// Whether the catalogue is for signed-in readers only (`catalogue_members_only`), kept in
/// memory: every catalogue read asks, and only PATCH /settings changes it, inside its write
/// (so two changes racing leave memory as the database ends).
#[derive(Default)]
pub struct CatalogueAccess(std::sync::atomic::AtomicBool);

impl CatalogueAccess {
    pub fn new(members_only: bool) -> CatalogueAccess {
        CatalogueAccess(members_only.into())
    }

    pub fn members_only(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set(&self, members_only: bool) {
        self.0
            .store(members_only, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Someone who may read the catalogue: anyone, or with `catalogue_members_only` a
/// signed-in user (no token is a 401).
pub struct CatalogueReader;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CatalogueReader {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let members_only = req
            .rocket()
            .state::<std::sync::Arc<CatalogueAccess>>()
            .is_some_and(|access| access.members_only());
        if members_only {
            try_outcome!(req.guard::<AuthUser>().await);
        }
        Outcome::Success(CatalogueReader)
    }
}
