//! The original Flask server's password reset, made safe. The original answered the
//! request with a token that carried the one-time code inside it, so anyone could reset
//! anyone's password. Here the token returned names the reset request only; the code (8
//! digits) goes by mail, works once, expires with the request (`reset_token_ttl_secs`) and
//! dies after `CODE_TRIES` wrong tries. An unknown address gets the same answer, with a
//! token that names nothing.

use std::sync::Arc;

use rand::Rng;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{post, put, State};
use sha2::{Digest, Sha256};

use crate::auth::guards::ClientAddr;
use crate::auth::password;
use crate::auth::rate_limit::ResetMailLimits;
use crate::config::Config;
use crate::controllers::users::reset::{new_token, prune_spent, send_reset_mail_to, token_hash};
use crate::db::Db;
use crate::domain::Email;
use crate::error::{AppError, ErrorEnvelope};
use crate::mail::Mailer;
use crate::models::password_reset::{self, CodeCheck};
use crate::models::{now, user};
use crate::views::compat::{RequestResetForm, RequestResetReply, ResetCodeForm, ResetDone};
use crate::views::envelope::{Reply, Success};
use crate::views::input::Fields;
use crate::views::user::MAX_RESET_TOKEN_LEN;

/// Wrong codes a reset request takes before it is spent.
pub const CODE_TRIES: i64 = 5;

/// The original's answer to a wrong code, and here to any token that names no open
/// request: the two are not told apart.
fn not_match() -> AppError {
    AppError::Worded(Status::Unauthorized, "OTP not match")
}

/// The code's hash is taken with its token, which is stored only hashed: the row alone
/// does not give the code away, even to someone who tries all hundred million.
fn code_hash(token: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{token}:{code}").as_bytes()))
}

/// A code of 8 digits, the first not 0 (a client that sends it as a number keeps every
/// digit).
fn new_code() -> String {
    rand::rng()
        .random_range(10_000_000..100_000_000u32)
        .to_string()
}

/// Mails a reset code if an account uses the address; the answer's token names the
/// request (send it back in the `access_token` header of PUT /users/reset_password). The
/// answer is the same whether or not the address has an account or a limit held the mail
/// back, and the mail goes out after it.
#[utoipa::path(tag = "compatibility", request_body = RequestResetForm, responses(
    (status = 200, description = "`Reset Instructions Sent.` and the request's token (whether or not the address has an account)", body = RequestResetReply),
))]
#[post("/users/requestResetPassword", data = "<body>")]
pub(crate) async fn request_reset(
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<Arc<Mailer>>,
    limits: &State<ResetMailLimits>,
    client: ClientAddr,
    body: Fields<RequestResetForm>,
) -> Reply {
    let email = body.0.validate()?;
    let (token, code) = (new_token(), new_code());
    if limits.allow(&client.0, &email) {
        let db = db.inner().clone();
        let mailer = Arc::clone(mailer);
        let ttl = config.reset_token_ttl_secs as i64;
        let kept = token.clone();
        rocket::tokio::spawn(async move {
            if let Err(e) = send_code_mail(&db, mailer, email, ttl, kept, code).await {
                tracing::warn!(error = %e, "password reset code not sent");
            }
        });
    } else {
        tracing::info!("password reset code held back by its hourly limits");
    }
    Ok(Success::shaped(&RequestResetReply {
        message: "Reset Instructions Sent.",
        access_token: token,
        status: Status::Ok.code,
    }))
}

/// Stores the request for the address's account, if there is one, then mails the code.
async fn send_code_mail(
    db: &Db,
    mailer: Arc<Mailer>,
    email: Email,
    ttl: i64,
    token: String,
    code: String,
) -> Result<(), AppError> {
    let hashed = token_hash(&token);
    let stored = hashed.clone();
    let coded = code_hash(&token, &code);
    let user = db
        .write(move |tx| {
            let Some(user) = user::find_by_email(tx, email.as_str())? else {
                return Ok(None);
            };
            let at = now();
            password_reset::prune(tx, at)?;
            password_reset::create_coded(tx, user.id, &stored, &coded, CODE_TRIES, at + ttl)?;
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
         The code to enter is:\n\n    {code}\n\n\
         It works once, for {minutes} minutes, and stops working after {CODE_TRIES} wrong \
         tries. If it was not you, ignore this message: your password stays as it is.\n",
        name = user.username,
    );
    let subject = "Your library password reset code";
    send_reset_mail_to(db, mailer, hashed, user, subject, text).await
}

/// The `access_token` header of a reset by code (or, for clients that send every token
/// that way, `Authorization: Bearer`): the token the request was answered with.
pub struct ResetToken(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ResetToken {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let headers = req.headers();
        let bearer = || {
            let (scheme, token) = headers.get_one("Authorization")?.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        };
        let token = headers
            .get_one("access_token")
            .or_else(bearer)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty() && t.len() <= MAX_RESET_TOKEN_LEN);
        Outcome::Success(ResetToken(token))
    }
}

/// Sets a new password with the mailed code: header `access_token` (the request's token),
/// fields `OTP`, `new_password` and `confirm_new_password`. A wrong code, or a token of no
/// open request, is 401 `OTP not match`; passwords that differ are 400 `Passwords don't
/// match`. Every earlier session of the account is signed out.
#[utoipa::path(tag = "compatibility", params(
    ("access_token" = Option<String>, Header, description = "The token POST /users/requestResetPassword answered with"),
), request_body = ResetCodeForm, responses(
    (status = 200, description = "`Password reset success.`", body = ResetDone),
    (status = 401, description = "`OTP not match`: a wrong code, or a token of no open request", body = ErrorEnvelope),
))]
#[put("/users/reset_password", data = "<body>")]
pub(crate) async fn reset_password(
    token: ResetToken,
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<Arc<Mailer>>,
    body: Fields<ResetCodeForm>,
) -> Reply {
    let form = body.0.validate()?;
    let token = token.0.ok_or_else(not_match)?;
    let hashed = token_hash(&token);
    let coded = code_hash(&token, &form.code);
    // The code first, counting a wrong one; only then the passwords, as the original did.
    let (h, c) = (hashed.clone(), coded.clone());
    let check = db
        .write(move |tx| password_reset::check_code(tx, &h, &c, now()))
        .await?;
    if check == CodeCheck::Wrong {
        return Err(not_match());
    }
    let new_password = form.password()?;
    let hash = password::hash(&new_password, config.bcrypt_cost).await?;
    // Checked again where it is spent: of two resets racing with the right code, one wins.
    db.write(move |tx| {
        let at = now();
        match password_reset::check_code(tx, &hashed, &coded, at)? {
            CodeCheck::Right(user_id) => {
                user::set_password(tx, user_id, Some(&hash))?;
                password_reset::spend_all(tx, user_id, at)
            }
            CodeCheck::Wrong => Err(not_match()),
        }
    })
    .await?;
    prune_spent(db, mailer).await;
    Ok(Success::shaped(&ResetDone {
        message: "Password reset success.",
        status: Status::Ok.code,
    }))
}
