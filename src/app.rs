//! Assembles the server: managed state, every controller's routes, JSON catchers and the
//! fairings. `main` and every integration test call `build`, so tests run this server.

mod cors;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::fairing::{AdHoc, Fairing, Info, Kind};
use rocket::http::{Header, Method, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::shield::{Permission, Shield};
use rocket::{catch, catchers, Build, Data, Rocket};

use crate::auth::device::DeviceKeys;
use crate::auth::jwt::Keys;
use crate::auth::rate_limit::ResetMailLimits;
use crate::auth::throttle::{Limits, LoginThrottle};
use crate::auth::CatalogueAccess;
use crate::config::{PublicUrl, Settings};
use crate::db::Db;
use crate::error::{error_response, AppError, GuardError};
use crate::mail::Mailer;
use crate::media::MediaStore;
use crate::models::{library_settings, setting};
use crate::services::{notices, sweep};
use crate::views::answers::Answers;
use crate::{controllers, openapi};

pub fn build(settings: Settings, db: Db) -> Result<Rocket<Build>, AppError> {
    let config = settings.config.clone();
    let secret = match config.jwt_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(secret) => secret.to_string(),
        None => setting::jwt_secret(&*db.get()?)?,
    };
    // Made now, so the export (a read) finds it without writing.
    setting::instance_id(&*db.get()?)?;
    let keys = Keys::new(secret.as_bytes(), config.token_ttl_secs);
    let media = MediaStore::new(
        config.images_dir(),
        config.image_max_bytes,
        config.image_decodes_at_once,
    );
    media.prepare()?;
    let mailer = Mailer::from_config(&config).map_err(AppError::Internal)?;
    // Reset mails left from before this start whose token has since been used or expired.
    if let Err(e) = crate::mail::prune_outbox(&config.outbox_dir(), &*db.get()?) {
        tracing::warn!(error = %e, "outbox not pruned");
    }
    let throttle = LoginThrottle::new(Limits {
        per_pair: config.login_max_failures,
        per_account: config.login_max_failures_per_account,
        per_address: config.login_max_failures_per_address,
        window: Duration::from_secs(config.login_lockout_secs),
    });
    let devices = DeviceKeys::new(secret.as_bytes(), config.login_device_days);
    let cors = settings.config.cors_allowed_origins.clone();
    let members_only = library_settings::load(&*db.get()?)?.catalogue_members_only;
    let rocket = rocket::custom(settings.figment.clone())
        .manage(PublicUrl::of(&settings))
        .manage(db)
        .manage(keys)
        .manage(Arc::new(media))
        .manage(Arc::new(mailer))
        .manage(throttle)
        .manage(devices)
        .manage(ResetMailLimits::new(&config))
        .manage(controllers::health::LastCheck::default())
        .manage(Answers::default())
        .manage(Arc::new(CatalogueAccess::new(members_only)))
        .manage(config)
        .mount("/", controllers::routes())
        .mount("/", openapi::routes())
        .register("/", catchers![every_status])
        .attach(RequestLog)
        .attach(sweep::fairing())
        .attach(notices::fairing())
        .attach(security_headers())
        .attach(shield());
    // Without origins to allow, not even a look at each answer.
    Ok(match cors.is_empty() {
        true => rocket,
        false => rocket.attach(cors::Cors(cors)),
    })
}

/// What a catcher sends: the guard's own error if one left it, else the bare status.
struct CaughtError(Status);

impl<'r> Responder<'r, 'static> for CaughtError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let guard_error = match req.local_cache(|| GuardError(None)) {
            GuardError(Some(error)) => Some(error.clone()),
            GuardError(None) => None,
        };
        // A bare 400 with no guard behind it is Rocket refusing a request it could not
        // parse, such as an unknown method (it salvages it as a GET): on a path that
        // exists, that is a 405 too. So is a method the path does not have, even where a
        // route with a parameter in its place ran its guards and refused the caller
        // (`DELETE /users/login` is no `DELETE /users/<id>`, signed in or not).
        let unknown_method = self.0.code == 400 && guard_error.is_none();
        if matches!(self.0.code, 400 | 401 | 403 | 404 | 422) {
            let allowed = allowed_methods(req);
            if !allowed.is_empty() && (unknown_method || !allowed.contains(&req.method())) {
                let allow: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
                let mut response = error_response(Status::MethodNotAllowed, None);
                response.set_header(Header::new("Allow", allow.join(", ")));
                return Ok(response);
            }
        }
        if let Some(error) = guard_error {
            return error.respond_to(req);
        }
        match self.0.code {
            // A path parameter that did not parse (Rocket forwards it as 422), or Rocket's
            // own form guards: the contract says bad input is 400.
            422 => Ok(error_response(Status::BadRequest, None)),
            401 => AppError::Unauthorized.respond_to(req),
            _ => Ok(error_response(self.0, None)),
        }
    }
}

/// Every status Rocket can produce gets the JSON envelope, never an HTML page.
#[catch(default)]
fn every_status(status: Status, _req: &Request<'_>) -> CaughtError {
    CaughtError(status)
}

/// The methods of the routes that best match the request's path, for a 405. "Best" is the
/// most static segments matched, as Rocket ranks them: `DELETE /users/register` is a 405
/// (only POST lives there), not a failed `DELETE /users/<id>`.
fn allowed_methods(req: &Request<'_>) -> Vec<Method> {
    let segments: Vec<&str> = req.uri().path().segments().collect();
    let mut best = 0;
    let mut methods: Vec<Method> = Vec::new();
    for route in req.rocket().routes() {
        let Some(statics) = static_matches(route.uri.path(), &segments) else {
            continue;
        };
        if statics > best {
            best = statics;
            methods.clear();
        }
        if statics == best && !methods.contains(&route.method) {
            methods.push(route.method);
        }
    }
    methods
}

/// How many static segments of `pattern` match `segments`, or None if it does not match.
fn static_matches(pattern: &str, segments: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let trailing = parts.last().is_some_and(|p| p.ends_with("..>"));
    if segments.len() != parts.len() && !(trailing && segments.len() + 1 >= parts.len()) {
        return None;
    }
    let mut statics = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('<') {
            continue;
        }
        if part != segment {
            return None;
        }
        statics += 1;
    }
    Some(statics)
}

struct StartedAt(Instant);

/// One line a request: method, path (no query string: it can carry search text), status
/// and time taken. Nothing else from the request is logged, so no secret can be.
struct RequestLog;

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _data: &mut Data<'_>) {
        req.local_cache(|| StartedAt(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| StartedAt(Instant::now())).0;
        tracing::info!(
            target: "library_server::request",
            "{} {} {} {:.1}ms",
            req.method(),
            req.uri().path(),
            res.status().code,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// Rocket's own security headers (`X-Frame-Options: SAMEORIGIN` and
/// `X-Content-Type-Options: nosniff`), less `Permissions-Policy: interest-cohort=()`: it
/// refused Google's FLoC trial, which browsers dropped in 2022, and cost every answer a
/// header.
fn shield() -> Shield {
    Shield::default().disable::<Permission>()
}

fn security_headers() -> AdHoc {
    AdHoc::on_response("security headers", |req, res| {
        Box::pin(async move {
            res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
            if is_private(req) {
                res.set_header(Header::new("Cache-Control", "no-store"));
            }
        })
    })
}

/// Paths whose answers carry tokens or personal data (accounts, loans, holds).
const PRIVATE_PATHS: [&str; 3] = ["users", "loans", "holds"];

/// Whether no cache (the browser's, a proxy's) may keep the answer: it names people or
/// holds a token, or the request carried credentials and so may have been answered for
/// that caller alone. The public catalogue, pictures and the admin page's files stay
/// cacheable.
fn is_private(req: &Request<'_>) -> bool {
    let first = req.uri().path().segments().next().unwrap_or("");
    PRIVATE_PATHS.contains(&first)
        || req.headers().contains("Authorization")
        || req.headers().contains("access_token")
}

#[cfg(test)]
mod tests {
    use super::static_matches;

    #[test]
    fn route_patterns_match_by_segment() {
        assert_eq!(
            static_matches("/users/register", &["users", "register"]),
            Some(2)
        );
        assert_eq!(
            static_matches("/users/<id>", &["users", "register"]),
            Some(1)
        );
        assert_eq!(
            static_matches("/users/<id>/image", &["users", "register"]),
            None
        );
        assert_eq!(
            static_matches("/admin/<path..>", &["admin", "a", "b.js"]),
            Some(1)
        );
        assert_eq!(static_matches("/admin/<path..>", &["admin"]), Some(1));
        assert_eq!(static_matches("/health", &["users"]), None);
    }
}
