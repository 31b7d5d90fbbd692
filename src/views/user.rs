//! Users over the wire.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::Problems;
use super::HttpDate;
use crate::auth::device::MAX_DEVICE_TOKEN_LEN;
use crate::domain::{Email, Password, PatronStatus, Role, UserId, Username};
use crate::error::AppError;
use crate::models::user::User;

/// A user as clients see it. `email`, the patron's record (`full_name`, `card_number`,
/// `group`, `phone`, `card_expires_on`, `status`, `blocked_reason`) only for the user
/// themself and for staff; `email` is null for someone without an address.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = i64)]
    pub id: UserId,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub image_file: String,
    pub role: Role,
    pub created_at: HttpDate,
    pub modified_at: HttpDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub full_name: Option<String>,
    /// The library card's number, printable as a barcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub card_number: Option<String>,
    /// A class ("5B"), "Staff", "Public"…
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    /// YYYY-MM-DD: the card works through that day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub card_expires_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<PatronStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub blocked_reason: Option<String>,
}

impl UserView {
    pub fn new(user: &User, viewer: &User) -> UserView {
        let sees = viewer.id == user.id || viewer.role >= Role::Librarian;
        let shown = |value: &Option<String>| value.clone().filter(|_| sees);
        UserView {
            id: user.id,
            username: user.username.clone(),
            email: sees.then(|| user.email.clone()),
            image_file: user.image_file.clone(),
            role: user.role,
            created_at: HttpDate(user.created_at),
            modified_at: HttpDate(user.modified_at),
            full_name: shown(&user.full_name),
            card_number: shown(&user.card_number),
            group: shown(&user.group),
            phone: shown(&user.phone),
            card_expires_on: shown(&user.card_expires_on),
            status: sees.then_some(user.status),
            blocked_reason: shown(&user.blocked_reason),
        }
    }

    /// The user seen by themself.
    pub fn own(user: &User) -> UserView {
        UserView::new(user, user)
    }
}

// utoipa's `#[schema]` takes only literal numbers, so the limits below repeat the domain's
// constants; tests/openapi.rs checks each number in the document against its constant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(required = true, nullable = false, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// At least 8 characters, at most 72 bytes of UTF-8 (bcrypt's limit; a longer password
    /// is refused, never cut).
    #[schema(required = true, nullable = false, min_length = 8, max_length = 72, format = Password)]
    pub password: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9_.-]+$"
    )]
    pub username: Option<String>,
}

pub struct Register {
    pub email: Email,
    pub username: Username,
    pub password: Password,
}

impl RegisterRequest {
    pub fn validate(self) -> Result<Register, AppError> {
        let mut problems = Problems::default();
        let email = problems.required("email", self.email.as_deref(), Email::parse);
        let username = problems.required("username", self.username.as_deref(), Username::parse);
        let password = problems.required("password", self.password.as_deref(), Password::parse);
        match (email, username, password) {
            (Some(email), Some(username), Some(password)) => Ok(Register {
                email,
                username,
                password,
            }),
            _ => Err(problems.into_error()),
        }
    }
}

/// Who signs in: `email` may hold an e-mail address, a username or a card number;
/// `username` and `card_number` are accepted as the field's name too (one of the three is
/// required). The secret is the `password`, or the `pin` staff gave (one is required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The e-mail address, the username or the card number.
    #[schema(nullable = false, min_length = 1, max_length = 254)]
    pub email: Option<String>,
    /// Accepted in place of `email`.
    #[schema(nullable = false, min_length = 1, max_length = 254)]
    pub username: Option<String>,
    /// Accepted in place of `email`: a pupil signs in with their card.
    #[schema(nullable = false, min_length = 1, max_length = 254)]
    pub card_number: Option<String>,
    /// At most 72 bytes of UTF-8.
    #[schema(nullable = false, min_length = 1, max_length = 72, format = Password)]
    pub password: Option<String>,
    /// Accepted in place of `password`.
    #[schema(nullable = false, min_length = 1, max_length = 72, format = Password)]
    pub pin: Option<String>,
    /// The `device_token` an earlier login of this account answered, if the client kept
    /// it: failed logins from elsewhere then do not hold this client back. One that is not
    /// valid for the account (expired, another account's, from before a password reset)
    /// is ignored.
    #[schema(nullable = false, max_length = 256)]
    pub device_token: Option<String>,
}

/// The login answer: the seed's top-level token beside the usual envelope.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LoginReply {
    access_token: String,
    /// Always `Bearer`.
    token_type: String,
    /// Seconds until the token expires.
    expires_in: u64,
    /// Opaque; send it as `device_token` at this account's next login from this client.
    /// A new one comes with every login.
    device_token: String,
    message: String,
    result: UserView,
    status: u16,
}

pub struct Login {
    pub login: String,
    pub password: String,
    pub device_token: Option<String>,
}

/// Longest login name worth looking up: the longest valid e-mail address.
const MAX_LOGIN_LEN: usize = Email::MAX_LEN;

impl LoginRequest {
    pub fn validate(self) -> Result<Login, AppError> {
        let mut problems = Problems::default();
        // The first of the names given is the one signed in with; a name given empty is
        // a mistake to tell, not a reason to look at the next.
        let named = [
            ("email", self.email),
            ("username", self.username),
            ("card_number", self.card_number),
        ]
        .into_iter()
        .find_map(|(field, value)| value.map(|v| (field, v)));
        let login = match named {
            None => {
                problems.note(
                    "email",
                    "is required: an e-mail address, username or card number",
                );
                None
            }
            Some((field, l)) if l.is_empty() => {
                problems.note(field, "must not be empty");
                None
            }
            Some((field, l)) if l.chars().count() > MAX_LOGIN_LEN => {
                problems.note(field, format!("must be at most {MAX_LOGIN_LEN} characters"));
                None
            }
            Some((_, l)) => Some(l.trim().to_string()),
        };
        let secret = match (self.password, self.pin) {
            (Some(password), _) => Some(("password", password)),
            (None, Some(pin)) => Some(("pin", pin)),
            (None, None) => None,
        };
        let password = match secret {
            None => {
                problems.note("password", "is required: the password or the PIN");
                None
            }
            Some((field, p)) if p.is_empty() => {
                problems.note(field, "must not be empty");
                None
            }
            Some((field, p)) if p.len() > 72 => {
                problems.note(field, "must be at most 72 bytes");
                None
            }
            Some((_, p)) => Some(p),
        };
        let device_token = match self.device_token.filter(|t| !t.is_empty()) {
            Some(t) if t.len() > MAX_DEVICE_TOKEN_LEN => {
                problems.note(
                    "device_token",
                    format!("must be at most {MAX_DEVICE_TOKEN_LEN} characters"),
                );
                None
            }
            token => token,
        };
        match (login, password) {
            (Some(login), Some(password)) if problems.is_empty() => Ok(Login {
                login,
                password,
                device_token,
            }),
            _ => Err(problems.into_error()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsernameRequest {
    #[schema(
        required = true,
        nullable = false,
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9_.-]+$"
    )]
    pub username: Option<String>,
}

impl UsernameRequest {
    pub fn validate(self) -> Result<Username, AppError> {
        let mut problems = Problems::default();
        problems
            .required("username", self.username.as_deref(), Username::parse)
            .ok_or_else(|| problems.into_error())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    #[schema(required = true, nullable = false, value_type = Role)]
    pub role: Option<String>,
}

impl RoleRequest {
    pub fn validate(self) -> Result<Role, AppError> {
        let mut problems = Problems::default();
        problems
            .required("role", self.role.as_deref(), Role::parse)
            .ok_or_else(|| problems.into_error())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    #[schema(required = true, nullable = false, format = Email, max_length = 254)]
    pub email: Option<String>,
}

impl ForgotRequest {
    pub fn validate(self) -> Result<Email, AppError> {
        let mut problems = Problems::default();
        problems
            .required("email", self.email.as_deref(), Email::parse)
            .ok_or_else(|| problems.into_error())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The token from the reset mail.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 256)]
    pub token: Option<String>,
    /// At least 8 characters, at most 72 bytes of UTF-8 (bcrypt's limit; a longer password
    /// is refused, never cut).
    #[schema(required = true, nullable = false, min_length = 8, max_length = 72, format = Password)]
    pub password: Option<String>,
}

pub struct Reset {
    pub token: String,
    pub password: Password,
}

/// Longer than any token the reset mail sends; anything longer is not worth a lookup.
pub const MAX_RESET_TOKEN_LEN: usize = 256;

impl ResetRequest {
    pub fn validate(self) -> Result<Reset, AppError> {
        let mut problems = Problems::default();
        let token = problems.required("token", self.token.as_deref(), |t| {
            let t = t.trim();
            match t.len() {
                0 => Err("is required".to_string()),
                1..=MAX_RESET_TOKEN_LEN => Ok(t.to_string()),
                _ => Err("is invalid or has expired".to_string()),
            }
        });
        let password = problems.required("password", self.password.as_deref(), Password::parse);
        match (token, password) {
            (Some(token), Some(password)) => Ok(Reset { token, password }),
            _ => Err(problems.into_error()),
        }
    }
}
