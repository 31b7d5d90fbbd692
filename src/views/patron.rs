//! Patrons over the wire: the record staff keep of a reader, and the requests that
//! create and change it.

use serde::{Deserialize, Serialize};

use super::input::Problems;
use super::item::present;
use crate::domain::book::optional;
use crate::domain::item::{date, Barcode};
use crate::domain::{Email, Password, PatronStatus, Pin, Role, UserId, Username};
use crate::error::AppError;
use crate::models::user::{PatronRecord, User};

pub const MAX_FULL_NAME: usize = 200;
pub const MAX_GROUP: usize = 50;
pub const MAX_PHONE: usize = 40;
pub const MAX_NOTE: usize = 1000;
pub const MAX_REASON: usize = 200;

/// A patron as staff see them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PatronView {
    #[schema(value_type = i64)]
    pub id: UserId,
    pub username: String,
    pub full_name: Option<String>,
    pub card_number: Option<String>,
    /// A class ("5B"), "Staff", "Public"…
    pub group: Option<String>,
    /// "Ana Lima (5B)": the full name (else the username) and the group.
    pub display_name: String,
    pub role: Role,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
    /// YYYY-MM-DD: the card works through that day.
    pub card_expires_on: Option<String>,
    pub status: PatronStatus,
    pub blocked_reason: Option<String>,
    /// Has a password or PIN, and a status that lets them sign in.
    pub can_sign_in: bool,
    /// Their personal data was erased.
    pub erased: bool,
    /// How many copies they have out (in the patron list).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub loans_out: Option<i64>,
}

impl PatronView {
    pub fn new(user: &User) -> PatronView {
        PatronView {
            id: user.id,
            username: user.username.clone(),
            full_name: user.full_name.clone(),
            card_number: user.card_number.clone(),
            group: user.group.clone(),
            display_name: user.display_name(),
            role: user.role,
            email: user.email.clone(),
            phone: user.phone.clone(),
            note: user.note.clone(),
            card_expires_on: user.card_expires_on.clone(),
            status: user.status,
            blocked_reason: user.blocked_reason.clone(),
            can_sign_in: user.can_sign_in(),
            erased: user.erased_at.is_some(),
            loans_out: None,
        }
    }
}

/// A phone number as people write it: digits, spaces and `+ - ( ) . /`.
fn phone(raw: &str) -> Result<Option<String>, String> {
    let value = optional(raw, MAX_PHONE)?;
    match &value {
        Some(text)
            if !text
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()./".contains(c)) =>
        {
            Err("must be digits, spaces and + - ( ) . / only".into())
        }
        _ => Ok(value),
    }
}

/// A date, or nothing: a blank is not a date (null clears the field).
fn optional_date(raw: &str) -> Result<Option<String>, String> {
    date(raw).map(Some)
}

/// The sign-in secret a request sets: a PIN or a password, hashed before it is stored.
#[derive(Debug, Clone)]
pub enum Secret {
    Pin(Pin),
    Password(Password),
}

impl Secret {
    pub fn expose(&self) -> &str {
        match self {
            Secret::Pin(pin) => pin.expose(),
            Secret::Password(password) => password.expose(),
        }
    }
}

/// What a create or change request asks, checked: each `Some` is a change (an inner `None`
/// clears the field), `secret` likewise.
#[derive(Debug, Clone, Default)]
pub struct PatronPatch {
    pub full_name: Option<Option<String>>,
    pub username: Option<Username>,
    pub card_number: Option<Barcode>,
    pub group: Option<Option<String>>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub card_expires_on: Option<Option<String>>,
    pub status: Option<PatronStatus>,
    pub blocked_reason: Option<Option<String>>,
    pub secret: Option<Option<Secret>>,
}

impl PatronPatch {
    /// The record after this change.
    pub fn apply(&self, current: &User) -> Result<PatronRecord, AppError> {
        let pick = |change: &Option<Option<String>>, now: &Option<String>| match change {
            Some(value) => value.clone(),
            None => now.clone(),
        };
        let status = self.status.unwrap_or(current.status);
        let mut blocked_reason = pick(&self.blocked_reason, &current.blocked_reason);
        if status == PatronStatus::Blocked && blocked_reason.is_none() {
            return Err(AppError::invalid(
                "blocked_reason",
                "is required to block a patron: say why, so the desk can tell them",
            ));
        }
        if status != PatronStatus::Blocked {
            blocked_reason = None;
        }
        Ok(PatronRecord {
            full_name: pick(&self.full_name, &current.full_name),
            card_number: match &self.card_number {
                Some(card) => Some(card.as_str().to_string()),
                None => current.card_number.clone(),
            },
            group: pick(&self.group, &current.group),
            email: match &self.email {
                Some(email) => email.as_ref().map(|e| e.as_str().to_string()),
                None => current.email.clone(),
            },
            phone: pick(&self.phone, &current.phone),
            note: pick(&self.note, &current.note),
            card_expires_on: pick(&self.card_expires_on, &current.card_expires_on),
            status,
            blocked_reason,
        })
    }
}

/// A text field that is left out (no change), null or blank (cleared), or a value.
type Text = Option<Option<String>>;

fn text_change(
    problems: &mut Problems,
    field: &str,
    value: Text,
    parse: impl Fn(&str) -> Result<Option<String>, String>,
) -> Option<Option<String>> {
    match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) => problems.check(field, parse(&raw)),
    }
}

fn secret_change(problems: &mut Problems, pin: Text, password: Text) -> Option<Option<Secret>> {
    match (pin, password) {
        (Some(_), Some(_)) => {
            problems.note("pin", "give a PIN or a password, not both");
            None
        }
        (Some(None), None) | (None, Some(None)) => Some(None),
        (Some(Some(raw)), None) => problems
            .check("pin", Pin::parse(&raw))
            .map(|p| Some(Secret::Pin(p))),
        (None, Some(Some(raw))) => problems
            .check("password", Password::parse(&raw))
            .map(|p| Some(Secret::Password(p))),
        (None, None) => None,
    }
}

/// Declares a request struct with the patron fields both POST and PATCH take, after the
/// fields given first (so the two cannot drift apart).
macro_rules! patron_request {
    ($(#[$meta:meta])* $name:ident { $($first:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($first)*
            #[schema(nullable = false, min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")]
            pub username: Option<String>,
            /// 1–32 letters, digits or `- . / _`; unique among cards and copies' barcodes.
            #[schema(nullable = false, min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9./_-]+$")]
            pub card_number: Option<String>,
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, max_length = 50, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
            pub group: Text,
            /// null clears it.
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, max_length = 254, format = Email)]
            pub email: Text,
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, max_length = 40, pattern = r"^[0-9 +()./-]*$")]
            pub phone: Text,
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
            pub note: Text,
            /// YYYY-MM-DD: the card works through that day; null: no expiry.
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, format = Date)]
            pub card_expires_on: Text,
            /// active, blocked or left (active also approves a pending registration).
            #[schema(value_type = Option<String>, nullable = false, pattern = "^(active|blocked|left)$")]
            pub status: Option<String>,
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
            pub blocked_reason: Text,
            /// 4–12 digits: how a pupil signs in with their card.
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, pattern = "^[0-9]{4,12}$")]
            pub pin: Text,
            #[serde(default, deserialize_with = "present")]
            #[schema(value_type = Option<String>, min_length = 8, max_length = 72, format = Password)]
            pub password: Text,
        }
    };
}

patron_request! {
    /// PATCH /patrons/{id}. Left out stays as it is; null or blank clears (a card number
    /// or username can be changed, not cleared). `status` blocked needs a
    /// `blocked_reason`. `pin` or `password` sets how the patron signs in; null removes it.
    PatronRequest {
        #[serde(default, deserialize_with = "present")]
        #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
        pub full_name: Text,
    }
}

patron_request! {
    /// POST /patrons: a patron made by staff (a member). Only `full_name` is required: the
    /// username is made from it, and the card number is the library's next, unless given.
    NewPatronRequest {
        #[schema(required = true, nullable = false, min_length = 1, max_length = 200, pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
        pub full_name: Option<String>,
    }
}

impl PatronRequest {
    pub fn validate(self) -> Result<PatronPatch, AppError> {
        let mut problems = Problems::default();
        let patch = self.parse(&mut problems);
        match problems.is_empty() {
            true => Ok(patch),
            false => Err(problems.into_error()),
        }
    }

    fn parse(self, problems: &mut Problems) -> PatronPatch {
        let name = |raw: &str| optional(raw, MAX_FULL_NAME);
        // A blank is no address (null clears the field).
        let email = match self.email {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => problems.check("email", Email::parse(&raw)).map(Some),
        };
        let status = match self.status.as_deref() {
            None => None,
            Some("pending") => {
                problems.note("status", "must be one of active, blocked, left");
                None
            }
            Some(raw) => problems.check("status", PatronStatus::parse(raw)),
        };
        let blocked_reason = text_change(problems, "blocked_reason", self.blocked_reason, |raw| {
            optional(raw, MAX_REASON)
        });
        // Blocking says why, in the same request: the desk tells the patron.
        if status == Some(PatronStatus::Blocked) && !matches!(blocked_reason, Some(Some(_))) {
            problems.note(
                "blocked_reason",
                "is required to block a patron: say why, so the desk can tell them",
            );
        }
        PatronPatch {
            full_name: text_change(problems, "full_name", self.full_name, name),
            username: self
                .username
                .and_then(|raw| problems.check("username", Username::parse(&raw))),
            card_number: self
                .card_number
                .and_then(|raw| problems.check("card_number", Barcode::parse(&raw))),
            group: text_change(problems, "group", self.group, |raw| {
                optional(raw, MAX_GROUP)
            }),
            email,
            phone: text_change(problems, "phone", self.phone, phone),
            note: text_change(problems, "note", self.note, |raw| optional(raw, MAX_NOTE)),
            card_expires_on: text_change(
                problems,
                "card_expires_on",
                self.card_expires_on,
                optional_date,
            ),
            status,
            blocked_reason,
            secret: secret_change(problems, self.pin, self.password),
        }
    }
}

impl NewPatronRequest {
    pub fn validate(self) -> Result<PatronPatch, AppError> {
        let mut problems = Problems::default();
        let full_name = problems.required("full_name", self.full_name.as_deref(), |raw| {
            optional(raw, MAX_FULL_NAME)?.ok_or_else(|| "is required".to_string())
        });
        let rest = PatronRequest {
            full_name: None,
            username: self.username,
            card_number: self.card_number,
            group: self.group,
            email: self.email,
            phone: self.phone,
            note: self.note,
            card_expires_on: self.card_expires_on,
            status: self.status,
            blocked_reason: self.blocked_reason,
            pin: self.pin,
            password: self.password,
        };
        let mut patch = rest.parse(&mut problems);
        patch.full_name = full_name.map(Some);
        match problems.is_empty() {
            true => Ok(patch),
            false => Err(problems.into_error()),
        }
    }
}
