//! What a signed-in reader changes about their own account on the reader's page: the
//! password (knowing the current one), and whether to keep a reading history.

use rocket::{get, put, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::guards::ClientAddr;
use crate::auth::jwt::Keys;
use crate::auth::throttle::{Caller, LoginThrottle};
use crate::auth::{password, AuthUser};
use crate::config::Config;
use crate::db::Db;
use crate::domain::Password;
use crate::error::{AppError, ErrorEnvelope, Refusal};
use crate::models::{library_settings, now, password_reset, user};
use crate::views::envelope::{Envelope, Reply, Success};
use crate::views::input::{Fields, Problems};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password the account has now (for an account that signs in with a card, its PIN).
    #[schema(required = true, nullable = false, min_length = 1, max_length = 72, format = Password)]
    pub current_password: Option<String>,
    /// At least 8 characters, at most 72 bytes of UTF-8.
    #[schema(required = true, nullable = false, min_length = 8, max_length = 72, format = Password)]
    pub new_password: Option<String>,
}

/// The answer to a password change: a fresh token, as every earlier one stops working.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewSession {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// Changes the caller's password; the current one must be given. Every session of the
/// account is signed out but this one, which gets a new token.
#[utoipa::path(tag = "users", security(("bearer" = []), ("access_token" = [])), request_body = PasswordChange, responses(
    (status = 200, description = "Changed; the answer carries the new token", body = Envelope<NewSession>),
    (status = 400, description = "A field missing, or a new password that breaks the rules", body = ErrorEnvelope),
    (status = 403, description = "The current password is wrong (`wrong_password`)", body = ErrorEnvelope),
    (status = 429, description = "Too many wrong passwords for this account (as for logins)", body = ErrorEnvelope,
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[put("/users/me/password", data = "<body>")]
pub(crate) async fn change_password(
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    keys: &State<Keys>,
    throttle: &State<LoginThrottle>,
    client: ClientAddr,
    body: Fields<PasswordChange>,
) -> Reply {
    let change = body.0;
    let mut problems = Problems::default();
    let current = problems.required(
        "current_password",
        change.current_password.as_deref(),
        |p| match p.len() {
            1..=72 => Ok(p.to_string()),
            _ => Err("is not this account's password".to_string()),
        },
    );
    let new = problems.required(
        "new_password",
        change.new_password.as_deref(),
        Password::parse,
    );
    let (Some(current), Some(new)) = (current, new) else {
        return Err(problems.into_error());
    };
    let me = auth.0;
    let wrong = || -> AppError {
        Refusal::new(
            "wrong_password",
            "current_password",
            "The current password is not right",
        )
        .status(rocket::http::Status::Forbidden)
        .into()
    };
    let Some(hash) = me.password_hash.clone() else {
        return Err(wrong());
    };
    // Wrong guesses count as failed logins of the account: a stolen token does not open
    // an endless guessing of the password behind it.
    let account = format!("#{}", me.id);
    let reserved = throttle
        .reserve(&Caller {
            account: &account,
            address: &client.0,
            device: None,
        })
        .map_err(|retry_after| AppError::TooMany { retry_after })?;
    if !password::verify(&current, Some(hash.clone())).await? {
        reserved.failed();
        return Err(wrong());
    }
    reserved.succeeded();
    let new_hash = password::hash(&new, config.bcrypt_cost).await?;
    let id = me.id;
    let changed = db
        .write(move |tx| {
            // Checked again in the write: a change made meanwhile by another session wins.
            let now_user = user::find(tx, id)?.ok_or(AppError::NotFound)?;
            if now_user.password_hash.as_deref() != Some(hash.as_str()) {
                return Err(wrong());
            }
            user::set_password(tx, id, Some(&new_hash))?;
            // A reset link mailed before the change would undo it.
            password_reset::spend_all(tx, id, now())?;
            user::find(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    let token = keys.issue(&changed)?;
    Ok(Success::ok(
        "CHANGE PASSWORD",
        NewSession {
            access_token: token,
            token_type: "Bearer",
            expires_in: keys.ttl_secs,
        },
    ))
}

/// Whether the caller keeps a reading history, and whether the library allows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingHistory {
    /// The library's `reading_history` setting.
    pub allowed: bool,
    /// The member's own choice; their returned loans (GET /loans?status=returned) stay
    /// linked to them while both are true.
    pub keeping: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryChoice {
    #[schema(required = true, nullable = false)]
    pub keep: Option<bool>,
}

/// Whether the caller keeps a reading history.
#[utoipa::path(tag = "users", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The choice", body = Envelope<ReadingHistory>),
))]
#[get("/users/me/reading-history")]
pub(crate) async fn reading_history(auth: AuthUser, db: &State<Db>) -> Reply {
    let id = auth.0.id;
    let found = db
        .run(move |conn| {
            Ok(ReadingHistory {
                allowed: library_settings::load(conn)?.reading_history,
                keeping: user::keeps_history(conn, id)?,
            })
        })
        .await?;
    Ok(Success::ok("GET READING HISTORY", found))
}

/// Starts or stops keeping the caller's reading history. Stopping lets the library's
/// `loan_history_days` take the old loans' link to the reader away at once.
#[utoipa::path(tag = "users", security(("bearer" = []), ("access_token" = [])), request_body = HistoryChoice, responses(
    (status = 200, description = "The choice now", body = Envelope<ReadingHistory>),
    (status = 403, description = "The library keeps no reading histories (`reading_history_off`)", body = ErrorEnvelope),
))]
#[put("/users/me/reading-history", data = "<body>")]
pub(crate) async fn choose_reading_history(
    auth: AuthUser,
    db: &State<Db>,
    body: Fields<HistoryChoice>,
) -> Reply {
    let keep = body
        .0
        .keep
        .ok_or_else(|| AppError::invalid("keep", "is required: true or false"))?;
    let id = auth.0.id;
    let found = db
        .write(move |tx| {
            let allowed = library_settings::load(tx)?.reading_history;
            if keep && !allowed {
                return Err(Refusal::new(
                    "reading_history_off",
                    "keep",
                    "This library keeps no reading histories",
                )
                .status(rocket::http::Status::Forbidden)
                .into());
            }
            user::set_keeps_history(tx, id, keep)?;
            if !keep {
                crate::services::sweep::anonymise_history(tx, now())?;
            }
            Ok(ReadingHistory {
                allowed,
                keeping: keep,
            })
        })
        .await?;
    Ok(Success::ok("UPDATE READING HISTORY", found))
}
