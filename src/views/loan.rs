//! Loans and holds over the wire: what clients see, and what they send.

use serde::{Deserialize, Serialize};

use super::input::{lenient_i64, Problems};
use super::HttpDate;
use crate::domain::{BookId, HoldId, LoanId, UserId};
use crate::error::AppError;
use crate::models::hold::{Hold, HoldFilter, HoldStatus};
use crate::models::loan::{Loan, LoanFilter, LoanStatus};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoanView {
    #[schema(value_type = i64)]
    pub id: LoanId,
    #[schema(value_type = i64)]
    pub book_id: BookId,
    #[schema(value_type = i64)]
    pub user_id: UserId,
    pub borrowed_at: HttpDate,
    pub due_at: HttpDate,
    pub returned_at: Option<HttpDate>,
    pub renewals: i64,
    pub status: LoanStatus,
}

impl LoanView {
    pub fn new(loan: &Loan, now: i64) -> LoanView {
        LoanView {
            id: loan.id,
            book_id: loan.book_id,
            user_id: loan.user_id,
            borrowed_at: HttpDate(loan.borrowed_at),
            due_at: HttpDate(loan.due_at),
            returned_at: loan.returned_at.map(HttpDate),
            renewals: loan.renewals,
            status: loan.status(now),
        }
    }
}

/// A hold; `position` is explained on `models::hold::Hold`: 1-based in the queue while
/// waiting, 0 when ready, null once closed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoldView {
    #[schema(value_type = i64)]
    pub id: HoldId,
    #[schema(value_type = i64)]
    pub book_id: BookId,
    #[schema(value_type = i64)]
    pub user_id: UserId,
    pub created_at: HttpDate,
    pub position: Option<i64>,
    pub status: HoldStatus,
    pub ready_until: Option<HttpDate>,
}

impl HoldView {
    pub fn new(hold: &Hold) -> HoldView {
        HoldView {
            id: hold.id,
            book_id: hold.book_id,
            user_id: hold.user_id,
            created_at: HttpDate(hold.created_at),
            position: hold.position,
            status: hold.status,
            ready_until: hold.ready_until.map(HttpDate),
        }
    }
}

/// POST /loans.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BorrowRequest {
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(required = true, nullable = false, minimum = 1)]
    pub book_id: Option<i64>,
    /// Staff only: lend to this user instead of oneself (null: oneself).
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 1)]
    pub user_id: Option<i64>,
}

pub struct Borrow {
    pub book_id: BookId,
    /// None: the caller borrows for themself.
    pub user_id: Option<UserId>,
}

fn positive_id(id: i64) -> Result<i64, String> {
    if id > 0 {
        Ok(id)
    } else {
        Err("must be a positive whole number".into())
    }
}

impl BorrowRequest {
    pub fn validate(self) -> Result<Borrow, AppError> {
        let mut problems = Problems::default();
        let book_id = match self.book_id {
            Some(id) => problems.check("book_id", positive_id(id)),
            None => {
                problems.note("book_id", "is required");
                None
            }
        };
        let user_id = match self.user_id {
            Some(id) => problems.check("user_id", positive_id(id)).map(Some),
            None => Some(None),
        };
        match (book_id, user_id) {
            (Some(book_id), Some(user_id)) if problems.is_empty() => Ok(Borrow {
                book_id: BookId::new(book_id),
                user_id: user_id.map(UserId::new),
            }),
            _ => Err(problems.into_error()),
        }
    }
}

/// POST /books/{id}/holds; the body is optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// Staff only: hold the book for this user instead of oneself (null: oneself).
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 1)]
    pub user_id: Option<i64>,
}

impl HoldRequest {
    /// The member named, if any.
    pub fn validate(self) -> Result<Option<UserId>, AppError> {
        match self.user_id {
            None => Ok(None),
            Some(id) => positive_id(id)
                .map(|id| Some(UserId::new(id)))
                .map_err(|problem| AppError::invalid("user_id", problem)),
        }
    }
}

/// An id given in a query string: a positive whole number or a 400 naming the field.
fn query_id(problems: &mut Problems, field: &str, raw: Option<&str>) -> Option<i64> {
    let raw = raw?;
    let parsed = raw
        .parse::<i64>()
        .map_err(|_| "must be a whole number".to_string())
        .and_then(positive_id);
    problems.check(field, parsed)
}

/// `?user_id=&book_id=&status=` of GET /loans.
pub fn loan_filter(
    user_id: Option<&str>,
    book_id: Option<&str>,
    status: Option<&str>,
) -> Result<LoanFilter, AppError> {
    let mut problems = Problems::default();
    let filter = LoanFilter {
        user_id: query_id(&mut problems, "user_id", user_id).map(UserId::new),
        book_id: query_id(&mut problems, "book_id", book_id).map(BookId::new),
        status: status.and_then(|s| problems.check("status", LoanStatus::parse(s))),
    };
    if problems.is_empty() {
        Ok(filter)
    } else {
        Err(problems.into_error())
    }
}

/// `?book_id=&status=` of GET /holds.
pub fn hold_filter(book_id: Option<&str>, status: Option<&str>) -> Result<HoldFilter, AppError> {
    let mut problems = Problems::default();
    let filter = HoldFilter {
        user_id: None,
        book_id: query_id(&mut problems, "book_id", book_id).map(BookId::new),
        status: status.and_then(|s| problems.check("status", HoldStatus::parse(s))),
    };
    if problems.is_empty() {
        Ok(filter)
    } else {
        Err(problems.into_error())
    }
}
