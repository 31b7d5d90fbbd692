//! Loans and holds over the wire: what clients see, and what they send.

use serde::{Deserialize, Serialize};

use super::input::{lenient_i64, Problems};
use super::HttpDate;
use crate::domain::item::Barcode;
use crate::domain::{BookId, HoldId, Isbn13, ItemId, LoanId, UserId};
use crate::error::AppError;
use crate::models::hold::{Hold, HoldFilter, HoldStatus};
use crate::models::loan::{Loan, LoanFilter, LoanStatus};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoanView {
    #[schema(value_type = i64)]
    pub id: LoanId,
    #[schema(value_type = i64)]
    pub book_id: BookId,
    /// Null once the loan is anonymised: returned more than `loan_history_days` ago, or its
    /// reader's personal data erased.
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<UserId>,
    pub borrowed_at: HttpDate,
    pub due_at: HttpDate,
    pub returned_at: Option<HttpDate>,
    pub renewals: i64,
    pub status: LoanStatus,
    /// The copy lent (null only for loans returned before copies had barcodes).
    #[schema(value_type = Option<i64>)]
    pub item_id: Option<ItemId>,
    pub barcode: Option<String>,
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
            item_id: loan.item_id,
            barcode: loan.barcode.clone(),
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
    /// The copy kept on the hold shelf while the hold is ready.
    #[schema(value_type = Option<i64>)]
    pub item_id: Option<ItemId>,
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
            item_id: hold.item_id,
        }
    }
}

/// POST /loans: one copy (by `barcode` or `item_id`) or one book (by `book_id` or
/// `isbn`, a free copy is picked), and the borrower (by `card_number` or `user_id`; staff
/// only; none: oneself).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BorrowRequest {
    /// The copy's barcode, as scanned.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9./_-]+$")]
    pub barcode: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 1)]
    pub item_id: Option<i64>,
    /// Any free copy of this book.
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 1)]
    pub book_id: Option<i64>,
    /// Any free copy of the book with this ISBN.
    #[schema(min_length = 1, max_length = 40)]
    pub isbn: Option<String>,
    /// Staff only: lend to the patron with this card.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9./_-]+$")]
    pub card_number: Option<String>,
    /// Staff only: lend to this user instead of oneself (null: oneself).
    #[serde(default, deserialize_with = "lenient_i64")]
    #[schema(minimum = 1)]
    pub user_id: Option<i64>,
}

/// Which copy a loan is to take.
pub enum Wanted {
    Barcode(Barcode),
    Item(ItemId),
    Book(BookId),
    Isbn(Isbn13),
}

/// Who borrows.
pub enum Borrower {
    Myself,
    Card(Barcode),
    User(UserId),
}

pub struct Borrow {
    pub wanted: Wanted,
    pub borrower: Borrower,
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
        let mut wanted = Vec::new();
        if let Some(code) = &self.barcode {
            wanted.extend(
                problems
                    .check("barcode", Barcode::parse(code))
                    .map(Wanted::Barcode),
            );
        }
        if let Some(id) = self.item_id {
            wanted.extend(
                problems
                    .check("item_id", positive_id(id))
                    .map(|id| Wanted::Item(ItemId::new(id))),
            );
        }
        if let Some(id) = self.book_id {
            wanted.extend(
                problems
                    .check("book_id", positive_id(id))
                    .map(|id| Wanted::Book(BookId::new(id))),
            );
        }
        if let Some(isbn) = &self.isbn {
            wanted.extend(
                problems
                    .check("isbn", Isbn13::parse(isbn))
                    .map(Wanted::Isbn),
            );
        }
        let named = [
            self.barcode.is_some(),
            self.item_id.is_some(),
            self.book_id.is_some(),
            self.isbn.is_some(),
        ];
        match named.iter().filter(|&&n| n).count() {
            0 => problems.note(
                "book_id",
                "is required: give a copy's barcode, an item_id, a book_id or an isbn",
            ),
            1 => {}
            _ => problems.note(
                "barcode",
                "give only one of barcode, item_id, book_id and isbn",
            ),
        }
        let borrower = match (&self.card_number, self.user_id) {
            (Some(_), Some(_)) => {
                problems.note("card_number", "give a card_number or a user_id, not both");
                None
            }
            (Some(card), None) => problems
                .check("card_number", Barcode::parse(card))
                .map(Borrower::Card),
            (None, Some(id)) => problems
                .check("user_id", positive_id(id))
                .map(|id| Borrower::User(UserId::new(id))),
            (None, None) => Some(Borrower::Myself),
        };
        match (wanted.pop(), borrower) {
            (Some(wanted), Some(borrower)) if problems.is_empty() => {
                Ok(Borrow { wanted, borrower })
            }
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

/// `?user_id=&book_id=&status=&order=` of GET /loans.
pub fn loan_filter(
    user_id: Option<&str>,
    book_id: Option<&str>,
    status: Option<&str>,
    order: Option<&str>,
) -> Result<LoanFilter, AppError> {
    let mut problems = Problems::default();
    let newest_first = match order {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            problems.note("order", "must be asc (oldest first) or desc (newest first)");
            false
        }
    };
    let filter = LoanFilter {
        user_id: query_id(&mut problems, "user_id", user_id).map(UserId::new),
        book_id: query_id(&mut problems, "book_id", book_id).map(BookId::new),
        status: status.and_then(|s| problems.check("status", LoanStatus::parse(s))),
        newest_first,
    };
    if problems.is_empty() {
        Ok(filter)
    } else {
        Err(problems.into_error())
    }
}

/// `?user_id=&book_id=&status=` of GET /holds.
pub fn hold_filter(
    user_id: Option<&str>,
    book_id: Option<&str>,
    status: Option<&str>,
) -> Result<HoldFilter, AppError> {
    let mut problems = Problems::default();
    let filter = HoldFilter {
        user_id: query_id(&mut problems, "user_id", user_id).map(UserId::new),
        book_id: query_id(&mut problems, "book_id", book_id).map(BookId::new),
        status: status.and_then(|s| problems.check("status", HoldStatus::parse(s))),
    };
    if problems.is_empty() {
        Ok(filter)
    } else {
        Err(problems.into_error())
    }
}
