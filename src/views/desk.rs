//! What the circulation desk sees and sends: patrons with their loans and holds, and the
//! answer to a check-in.

use serde::{Deserialize, Serialize};

use super::item::{present, ItemView};
use super::loan::{HoldView, LoanView};
use super::HttpDate;
use crate::domain::book::optional;
use crate::domain::item::{Barcode, ItemStatus};
use crate::domain::{BookId, HoldId, ItemId, LoanId, Role, UserId};
use crate::error::AppError;
use crate::models::hold::{Hold, HoldStatus};
use crate::models::loan::{Loan, LoanStatus};
use crate::models::user::{PatronFields, User};
use crate::services::lending::Next;
use crate::views::input::Problems;

pub const MAX_FULL_NAME: usize = 200;
pub const MAX_GROUP: usize = 50;

/// A patron as the desk sees them.
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
    pub email: String,
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
        }
    }
}

/// A loan on the patron's panel: with its title and copy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeskLoan {
    #[schema(value_type = i64)]
    pub id: LoanId,
    #[schema(value_type = i64)]
    pub book_id: BookId,
    pub title: String,
    #[schema(value_type = Option<i64>)]
    pub item_id: Option<ItemId>,
    pub barcode: Option<String>,
    pub borrowed_at: HttpDate,
    pub due_at: HttpDate,
    pub renewals: i64,
    pub status: LoanStatus,
}

impl DeskLoan {
    pub fn new(loan: &Loan, title: String, now: i64) -> DeskLoan {
        DeskLoan {
            id: loan.id,
            book_id: loan.book_id,
            title,
            item_id: loan.item_id,
            barcode: loan.barcode.clone(),
            borrowed_at: HttpDate(loan.borrowed_at),
            due_at: HttpDate(loan.due_at),
            renewals: loan.renewals,
            status: loan.status(now),
        }
    }
}

/// A hold on the patron's panel: with its title and, when ready, the copy kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeskHold {
    #[schema(value_type = i64)]
    pub id: HoldId,
    #[schema(value_type = i64)]
    pub book_id: BookId,
    pub title: String,
    pub status: HoldStatus,
    pub position: Option<i64>,
    pub ready_until: Option<HttpDate>,
    pub barcode: Option<String>,
}

impl DeskHold {
    pub fn new(hold: &Hold, title: String, barcode: Option<String>) -> DeskHold {
        DeskHold {
            id: hold.id,
            book_id: hold.book_id,
            title,
            status: hold.status,
            position: hold.position,
            ready_until: hold.ready_until.map(HttpDate),
            barcode,
        }
    }
}

/// The patron's panel: who they are, what they have out and what waits for them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PatronPanel {
    pub patron: PatronView,
    /// Loans not yet returned, soonest due first.
    pub loans: Vec<DeskLoan>,
    /// Waiting and ready holds.
    pub holds: Vec<DeskHold>,
    /// How many loans are overdue.
    pub overdue: i64,
}

/// POST /returns.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// The copy's barcode, as scanned.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9./_-]+$"
    )]
    pub barcode: Option<String>,
}

impl ReturnRequest {
    pub fn validate(self) -> Result<Barcode, AppError> {
        match self.barcode {
            None => Err(AppError::invalid("barcode", "is required")),
            Some(raw) => Barcode::parse(&raw).map_err(|e| AppError::invalid("barcode", e)),
        }
    }
}

/// What a check-in did, and what to do with the copy now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnView {
    /// The copy, as it is now (`on_hold_shelf` with `held_for`, or `available`).
    pub item: ItemView,
    /// The loan it closed; null when the copy was not out (it was lost, say).
    pub loan: Option<LoanView>,
    /// Its status before: `lost` or `missing` when it has turned up again.
    pub previous_status: ItemStatus,
    /// `shelf` or `hold_shelf`.
    pub next: Next,
    /// The hold it is now kept for.
    pub hold: Option<HoldView>,
    /// In words, for the desk: "Put on the hold shelf for Ana Lima (5B)".
    pub instruction: String,
}

/// PATCH /patrons/{id}: the desk's fields of a patron. Left out stays; null or blank
/// clears (a card number cannot be cleared, only changed).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatronRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub full_name: Option<Option<String>>,
    /// 1–32 letters, digits or `- . / _`; unique among cards and copies' barcodes.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9./_-]+$")]
    pub card_number: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 50, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub group: Option<Option<String>>,
}

impl PatronRequest {
    pub fn validate(self, current: &User) -> Result<PatronFields, AppError> {
        let mut problems = Problems::default();
        let full_name = match self.full_name {
            None => current.full_name.clone(),
            Some(None) => None,
            Some(Some(raw)) => problems
                .check("full_name", optional(&raw, MAX_FULL_NAME))
                .unwrap_or_default(),
        };
        let group = match self.group {
            None => current.group.clone(),
            Some(None) => None,
            Some(Some(raw)) => problems
                .check("group", optional(&raw, MAX_GROUP))
                .unwrap_or_default(),
        };
        let card_number = match self.card_number {
            None => match &current.card_number {
                Some(card) => problems.check("card_number", Barcode::parse(card)),
                None => None,
            },
            Some(raw) => problems.check("card_number", Barcode::parse(&raw)),
        };
        if !problems.is_empty() {
            return Err(problems.into_error());
        }
        Ok(PatronFields {
            full_name,
            card_number,
            group,
        })
    }
}
