//! What the circulation desk sees and sends: patrons with their loans and holds, and the
//! answer to a check-in.

use serde::{Deserialize, Serialize};

use super::item::ItemView;
use super::loan::{HoldView, LoanView};
use super::HttpDate;
use crate::domain::item::{Barcode, ItemStatus};
use crate::domain::{BookId, HoldId, ItemId, LoanId};
use crate::error::AppError;
use crate::models::hold::{Hold, HoldStatus};
use crate::models::loan::{Loan, LoanStatus};
use crate::services::lending::Next;

pub use super::patron::PatronView;

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
    /// Why the patron may not borrow or place holds now (blocked, left, card expired…);
    /// null when they may.
    pub blocked: Option<Standing>,
    /// The loan rules in force for the patron (their group's, else the library's).
    pub rules: RulesView,
}

/// Why a patron may not borrow: the refusal lending would give.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standing {
    /// `patron_blocked`, `patron_left`, `patron_pending` or `card_expired`.
    pub code: String,
    /// In words, for the desk: "Ana Lima (5B) is blocked: lost two books".
    pub detail: String,
}

/// Loan rules: how long, how many.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesView {
    pub loan_days: i64,
    pub max_loans: i64,
    pub max_renewals: i64,
    pub max_holds: i64,
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
