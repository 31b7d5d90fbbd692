//! The bodies of the original Flask server's calls (`controllers::compat`). Like the
//! original, they take a form or JSON and ignore fields they do not know: no
//! `deny_unknown_fields` here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Email, Password, Username};
use crate::error::AppError;
use crate::views::input::Problems;

/// PUT /users/changeUsername.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeUsernameForm {
    /// The caller's username now (any letter case); another's is a 400.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 254)]
    pub current_username: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9_.-]+$"
    )]
    pub new_username: Option<String>,
}

impl ChangeUsernameForm {
    /// The username the caller says is theirs, and the new one.
    pub fn validate(self) -> Result<(String, Username), AppError> {
        let mut problems = Problems::default();
        let current =
            problems.required("current_username", self.current_username.as_deref(), |u| {
                Ok(u.trim().to_string())
            });
        let new = problems.required(
            "new_username",
            self.new_username.as_deref(),
            Username::parse,
        );
        match (current, new) {
            (Some(current), Some(new)) => Ok((current, new)),
            _ => Err(problems.into_error()),
        }
    }
}

/// POST /users/requestResetPassword.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RequestResetForm {
    #[schema(required = true, nullable = false, format = Email, max_length = 254)]
    pub your_email: Option<String>,
}

impl RequestResetForm {
    pub fn validate(self) -> Result<Email, AppError> {
        let mut problems = Problems::default();
        problems
            .required("your_email", self.your_email.as_deref(), Email::parse)
            .ok_or_else(|| problems.into_error())
    }
}

/// The answer to POST /users/requestResetPassword: the token to send back with the code.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestResetReply {
    /// "Reset Instructions Sent."
    pub message: &'static str,
    /// Names this reset request, nothing else: it opens no account. Send it back in the
    /// `access_token` header of PUT /users/reset_password with the code from the mail.
    pub access_token: String,
    /// 200, as in every answer of this API.
    pub status: u16,
}

/// The digits of a reset code: fewer or more is no code the server sends.
pub const CODE_DIGITS: std::ops::RangeInclusive<usize> = 6..=8;

/// PUT /users/reset_password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetCodeForm {
    /// The code from the mail, as text; in JSON a number is taken too (the code never
    /// starts with 0, so no digit is lost).
    #[serde(rename = "OTP")]
    #[schema(required = true, nullable = false, value_type = String, pattern = "^[0-9]{6,8}$")]
    pub otp: Option<serde_json::Value>,
    /// At least 8 characters, at most 72 bytes of UTF-8.
    #[schema(required = true, nullable = false, min_length = 8, max_length = 72, format = Password)]
    pub new_password: Option<String>,
    /// The same again.
    #[schema(required = true, nullable = false, min_length = 8, max_length = 72, format = Password)]
    pub confirm_new_password: Option<String>,
}

/// A reset by code, its fields read.
pub struct ResetByCode {
    pub code: String,
    pub password: String,
    pub confirmation: String,
}

impl ResetCodeForm {
    /// The fields as given: whether the passwords match, and are good ones, is decided
    /// after the code (as the original did), so a wrong code is told first.
    pub fn validate(self) -> Result<ResetByCode, AppError> {
        let mut problems = Problems::default();
        let otp = match &self.otp {
            Some(serde_json::Value::Number(n)) if n.is_u64() => Some(n.to_string()),
            Some(serde_json::Value::String(text)) => Some(text.clone()),
            Some(_) => Some(String::new()),
            None => None,
        };
        let code = problems.required("OTP", otp.as_deref(), |code| {
            let code = code.trim();
            match CODE_DIGITS.contains(&code.len()) && code.chars().all(|c| c.is_ascii_digit()) {
                true => Ok(code.to_string()),
                false => Err("must be the 6 to 8 digits of the code in the mail".to_string()),
            }
        });
        let present = |value: &str| match value.is_empty() {
            true => Err("is required".to_string()),
            false => Ok(value.to_string()),
        };
        let password = problems.required("new_password", self.new_password.as_deref(), present);
        let confirmation = problems.required(
            "confirm_new_password",
            self.confirm_new_password.as_deref(),
            present,
        );
        match (code, password, confirmation) {
            (Some(code), Some(password), Some(confirmation)) => Ok(ResetByCode {
                code,
                password,
                confirmation,
            }),
            _ => Err(problems.into_error()),
        }
    }
}

impl ResetByCode {
    /// The new password, once the code was right: 400 "Passwords don't match", or the
    /// password rules' own 400.
    pub fn password(&self) -> Result<Password, AppError> {
        if self.password != self.confirmation {
            return Err(AppError::Worded(
                rocket::http::Status::BadRequest,
                "Passwords don't match",
            ));
        }
        Password::parse(&self.password)
            .map_err(|problem| AppError::invalid("new_password", problem))
    }
}

/// The answer to PUT /users/reset_password: the original's words and status, no result.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetDone {
    /// "Password reset success."
    pub message: &'static str,
    pub status: u16,
}
