//! /users/password: the forgotten-password mail and the reset it links to.

use std::sync::Arc;

use rocket::tokio::task::spawn_blocking;
use rocket::{post, State};
use sha2::{Digest, Sha256};

use crate::auth::guards::ClientAddr;
use crate::auth::password;
use crate::auth::rate_limit::ResetMailLimits;
use crate::config::{Config, PublicUrl};
use crate::db::Db;
use crate::domain::Email;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::models::user;
use crate::models::{now, password_reset};
use crate::views::envelope::{Detail, Envelope};
use crate::views::envelope::{Reply, Success};
use crate::views::input::Fields;
use crate::views::user::{ForgotRequest, ResetRequest};

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Mails a reset link if an account uses the address. The answer is the same whether or
/// not it does and whether or not a limit held the mail back, and the mail goes out on a
/// blocking thread after the reply, so neither the answer nor its timing tells.
#[utoipa::path(tag = "users", request_body = ForgotRequest, responses(
    (status = 200, description = "Accepted (whether or not the address has an account, and whether or not a limit held the mail back)", body = Envelope<Detail>),
))]
#[post("/users/password/forgot", data = "<body>")]
pub(crate) async fn forgot_password(
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<Arc<Mailer>>,
    public_url: &State<PublicUrl>,
    limits: &State<ResetMailLimits>,
    client: ClientAddr,
    body: Fields<ForgotRequest>,
) -> Reply {
    let email = body.0.validate()?;
    if limits.allow(&client.0, &email) {
        let db = db.inner().clone();
        let mailer = Arc::clone(mailer);
        let ttl = config.reset_token_ttl_secs as i64;
        let link_base = format!("{}/reset-password?token=", public_url.0);
        // Not awaited: the reply leaves now, whatever the mail's fate.
        rocket::tokio::spawn(async move {
            if let Err(e) = send_reset_mail(&db, mailer, email, ttl, link_base).await {
                tracing::warn!(error = %e, "password reset mail not sent");
            }
        });
    } else {
        tracing::info!("password reset mail held back by its hourly limits");
    }
    Ok(Success::ok(
        "FORGOT PASSWORD",
        Detail::new("If an account uses that address, a reset link has been sent to it."),
    ))
}

/// Stores a new token for the address's account, if there is one, through the writer in
/// one transaction (old tokens pruned with it); then prunes the outbox and sends the mail
/// on a blocking thread, after the token is stored, as `mail::prune_outbox` relies on.
async fn send_reset_mail(
    db: &Db,
    mailer: Arc<Mailer>,
    email: Email,
    ttl: i64,
    link_base: String,
) -> Result<(), AppError> {
    let token = new_token();
    let hashed = token_hash(&token);
    let stored = hashed.clone();
    let user = db
        .write(move |tx| {
            let Some(user) = user::find_by_email(tx, email.as_str())? else {
                return Ok(None);
            };
            let at = now();
            password_reset::prune(tx, at)?;
            password_reset::create(tx, user.id, &stored, at + ttl)?;
            Ok(Some(user))
        })
        .await?;
    let Some(user) = user else {
        return Ok(());
    };
    let minutes = (ttl / 60).max(1);
    let text = format!(
        "Hello {name},\n\n\
         Someone (we hope you) asked to reset the password of your library account.\n\
         Open this link within {minutes} minutes to choose a new one:\n\n\
         {link_base}{token}\n\n\
         The link works once. If it was not you, ignore this message: your password \
         stays as it is.\n",
        name = user.username,
    );
    send_reset_mail_to(
        db,
        mailer,
        hashed,
        user,
        "Reset your library password",
        text,
    )
    .await
}

/// A reset token: 256 random bits, as hex.
pub(crate) fn new_token() -> String {
    let mut token = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut token);
    hex::encode(token)
}

/// Mails `user` about the reset whose token hashes to `hashed`, once it is stored: prunes
/// the outbox first, then sends on a blocking thread.
pub(crate) async fn send_reset_mail_to(
    db: &Db,
    mailer: Arc<Mailer>,
    hashed: String,
    user: user::User,
    subject: &'static str,
    text: String,
) -> Result<(), AppError> {
    let pruning = Arc::clone(&mailer);
    db.run(move |conn| {
        prune_outbox(&pruning, conn);
        Ok(())
    })
    .await?;
    spawn_blocking(move || {
        let to = user.email.as_deref().unwrap_or_default();
        mailer.send_reset(&hashed, to, subject, text)
    })
    .await?
    .map_err(AppError::Internal)
}

/// After a password is set: the mails of the tokens it spent go from the outbox. The
/// password is changed by then, so a failure here is only logged.
pub(crate) async fn prune_spent(db: &Db, mailer: &Arc<Mailer>) {
    let mailer = Arc::clone(mailer);
    let pruned = db
        .run(move |conn| {
            prune_outbox(&mailer, conn);
            Ok(())
        })
        .await;
    if let Err(e) = pruned {
        tracing::warn!(error = %e, "outbox not pruned");
    }
}

/// Removes outbox mails whose reset token can no longer be used; a failure is only logged.
fn prune_outbox(mailer: &Mailer, conn: &rusqlite::Connection) {
    if let Some(folder) = mailer.outbox() {
        if let Err(e) = crate::mail::prune_outbox(folder, conn) {
            tracing::warn!(error = %e, "outbox not pruned");
        }
    }
}

/// Sets a new password with a mailed token; every earlier token of the user stops working.
#[utoipa::path(tag = "users", request_body = ResetRequest, responses(
    (status = 200, description = "Password changed", body = Envelope<Detail>),
))]
#[post("/users/password/reset", data = "<body>")]
pub(crate) async fn reset_password(
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<Arc<Mailer>>,
    body: Fields<ResetRequest>,
) -> Reply {
    let reset = body.0.validate()?;
    let hashed_token = token_hash(&reset.token);
    let expired = || AppError::invalid("token", "is invalid, used or expired");
    // Check the token before spending a bcrypt on it.
    let lookup = hashed_token.clone();
    let valid = db
        .run(move |conn| password_reset::is_open(conn, &lookup, now()))
        .await?;
    if !valid {
        return Err(expired());
    }
    let hash = password::hash(&reset.password, config.bcrypt_cost).await?;
    db.write(move |tx| {
        let user_id = password_reset::redeem(tx, &hashed_token, now())?.ok_or_else(expired)?;
        user::set_password(tx, user_id, Some(&hash))
    })
    .await?;
    // The used token's mail, and those of the user's other tokens, spent with it.
    prune_spent(db, mailer).await;
    Ok(Success::ok(
        "RESET PASSWORD",
        Detail::new("The password is changed; earlier sessions are signed out."),
    ))
}
