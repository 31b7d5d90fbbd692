//! /loans: borrowing, listing, returning and renewing.

use rocket::http::Status;
use rocket::{get, post, routes, Route, State};

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::LoanId;
use crate::error::ErrorEnvelope;
use crate::error::{ApiResult, AppError, Refusal};
use crate::models::audit::{self, Action};
use crate::models::loan;
use crate::models::loan::{Loan, LoanStatus};
use crate::models::now;
use crate::models::user::{self, User};
use crate::models::{book, item};
use crate::services::lending::{self, Actor, Policy};
use crate::views::envelope::{Envelope, ListEnvelope};
use crate::views::envelope::{Reply, Success};
use crate::views::input::{Empty, Fields, NoFields};
use crate::views::loan::{loan_filter, BorrowRequest, Borrower, LoanView, Wanted};
use crate::views::paging;
use crate::views::query::QueryParams;

pub fn routes() -> Vec<Route> {
    routes![borrow, list, by_id, return_loan, renew]
}

/// Lends one copy: scanned (`barcode`, `item_id`) or any free copy of a book (`book_id`,
/// `isbn`). Staff lend to anyone (`card_number`, `user_id`); a member borrows for themself
/// while `self_checkout` is on. Refusals carry a stable `code` and its `params`.
#[utoipa::path(tag = "circulation", security(("bearer" = []), ("access_token" = [])), request_body = BorrowRequest, responses(
    (status = 201, description = "Lent", body = Envelope<LoanView>),
    (status = 403, description = "Another member named, or self-checkout is off (`self_checkout_off`)", body = ErrorEnvelope),
    (status = 404, description = "No such book, copy (`unknown_barcode`) or patron (`unknown_card`)", body = ErrorEnvelope),
    (status = 409, description = "The copy cannot go (`item_on_loan`, `item_on_hold_shelf`, `item_not_available`, `item_withdrawn`, `item_lost`), no copy is free (`no_copy_free`, `hold_still_waiting`), or the patron may borrow nothing more (`already_borrowed`, `loan_limit`, `patron_overdue`)", body = ErrorEnvelope),
    (status = 422, description = "A card scanned as a copy or a copy as a card (`patron_card_not_item`, `item_not_card`)", body = ErrorEnvelope),
))]
#[post("/loans", data = "<body>")]
pub(crate) async fn borrow(
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<BorrowRequest>,
) -> Reply {
    let request = body.0.validate()?;
    let actor = Actor::of(&auth.0);
    let policy = Policy::from_config(config);
    if !actor.staff {
        match &request.borrower {
            Borrower::User(id) => actor.may_act_for(*id)?,
            // A member names only their own card; any other is refused before it is looked
            // up, so the answer does not tell which cards exist.
            Borrower::Card(card)
                if !auth
                    .0
                    .card_number
                    .as_deref()
                    .is_some_and(|own| own.eq_ignore_ascii_case(card.as_str())) =>
            {
                return Err(AppError::Forbidden)
            }
            _ => {}
        }
        if !policy.self_checkout {
            return Err(Refusal::new(
                "self_checkout_off",
                "user_id",
                "Self-checkout is switched off: please borrow at the desk",
            )
            .status(Status::Forbidden)
            .into());
        }
    }
    let me = auth.0;
    let staff = me.clone();
    let at = now();
    let lent = db
        .write(move |tx| {
            let borrower = match request.borrower {
                Borrower::Myself => me,
                Borrower::User(id) => user::find(tx, id)?.ok_or(AppError::NotFound)?,
                Borrower::Card(card) => patron_by_card(tx, card.as_str())?,
            };
            actor.may_act_for(borrower.id)?;
            let lent = match request.wanted {
                Wanted::Barcode(code) => {
                    let Some(copy) = item::find_by_barcode(tx, code.as_str())? else {
                        return Err(lending::unknown_barcode(tx, code.as_str(), actor)?);
                    };
                    lending::lend(tx, policy, actor, copy, &borrower, at)
                }
                Wanted::Item(id) => {
                    let copy = item::find(tx, id)?.ok_or(AppError::NotFound)?;
                    lending::lend(tx, policy, actor, copy, &borrower, at)
                }
                Wanted::Book(id) => lending::borrow(tx, policy, actor, id, &borrower, at),
                Wanted::Isbn(isbn) => {
                    let found = book::find_by_isbn(tx, &isbn)?.ok_or(AppError::NotFound)?;
                    lending::borrow(tx, policy, actor, found.id, &borrower, at)
                }
            }?;
            audit::staff_did(tx, &staff, loan_action("loan.create", &lent))?;
            Ok(lent)
        })
        .await?;
    Ok(Success::created("BORROW BOOK", LoanView::new(&lent, at)))
}

/// How the audit log names a loan action: the loan, its reader and its copy.
pub(crate) fn loan_action(action: &'static str, loan: &Loan) -> Action {
    let mut what = Action::new(action, "loan", loan.id.get());
    if let Some(reader) = loan.user_id {
        what = what.patron(reader);
    }
    match &loan.barcode {
        Some(code) => what.detail(format!("copy {code}")),
        None => what.detail(format!("book {}", loan.book_id)),
    }
}

/// The patron with this card; a copy's barcode scanned instead is named as such.
pub(crate) fn patron_by_card(conn: &rusqlite::Connection, card: &str) -> ApiResult<User> {
    if let Some(patron) = user::find_by_card(conn, card)? {
        return Ok(patron);
    }
    if item::find_by_barcode(conn, card)?.is_some() {
        return Err(Refusal::new(
            "item_not_card",
            "card_number",
            format!("{card} is a copy's barcode, not a library card"),
        )
        .status(Status::UnprocessableEntity)
        .param("card_number", card)
        .into());
    }
    Err(Refusal::new(
        "unknown_card",
        "card_number",
        format!("No patron has the card {card}"),
    )
    .status(Status::NotFound)
    .param("card_number", card)
    .into())
}

/// Members see their own loans (naming another `user_id` is a 403); staff see everyone's.
#[utoipa::path(tag = "circulation", security(("bearer" = []), ("access_token" = [])), params(
    ("user_id" = Option<i64>, Query, minimum = 1, description = "Members may name only themselves"),
    ("book_id" = Option<i64>, Query, minimum = 1),
    ("status" = Option<LoanStatus>, Query),
    ("order" = Option<String>, Query, pattern = "^(asc|desc)?$", description = "asc (the default): oldest first; desc: newest first"),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of loans, oldest first unless `order=desc`", body = ListEnvelope<LoanView>),
))]
#[get("/loans")]
pub(crate) async fn list(auth: AuthUser, db: &State<Db>, query: QueryParams) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let mut filter = loan_filter(
        query.get("user_id")?,
        query.get("book_id")?,
        query.get("status")?,
        query.get("order")?,
    )?;
    let actor = Actor::of(&auth.0);
    if !actor.staff {
        actor.may_act_for(filter.user_id.unwrap_or(actor.id))?;
        filter.user_id = Some(actor.id);
    }
    let at = now();
    let (loans, total) = db
        .run(move |conn| loan::list(conn, filter, at, page))
        .await?;
    let views: Vec<LoanView> = loans.iter().map(|l| LoanView::new(l, at)).collect();
    Ok(Success::list("GET LOANS", views, paging::meta(page, total)))
}

/// One loan: its borrower or staff.
#[utoipa::path(tag = "circulation", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The loan", body = Envelope<LoanView>),
))]
#[get("/loans/<id>")]
pub(crate) async fn by_id(id: LoanId, auth: AuthUser, db: &State<Db>) -> Reply {
    let found = db
        .run(move |conn| loan::find(conn, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Actor::of(&auth.0).may_act_for(found.user_id)?;
    Ok(Success::ok("GET LOAN", LoanView::new(&found, now())))
}

/// Takes the copy back; it goes to the first waiting hold, if any.
#[utoipa::path(tag = "circulation", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Returned", body = Envelope<LoanView>),
    (status = 409, description = "Already returned", body = ErrorEnvelope),
))]
#[post("/loans/<id>/return", data = "<_body>")]
pub(crate) async fn return_loan(
    id: LoanId,
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let actor = Actor::of(&auth.0);
    let policy = Policy::from_config(config);
    let at = now();
    let staff = auth.0;
    let returned = db
        .write(move |tx| {
            let returned = lending::return_loan(tx, policy, actor, id, at)?;
            audit::staff_did(tx, &staff, loan_action("loan.return", &returned))?;
            Ok(returned)
        })
        .await?;
    Ok(Success::ok("RETURN BOOK", LoanView::new(&returned, at)))
}

/// Extends the due date by one loan period.
#[utoipa::path(tag = "circulation", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Renewed, with the new `due_at`", body = Envelope<LoanView>),
    (status = 409, description = "Renewals used up, overdue, returned, or others are waiting", body = ErrorEnvelope),
))]
#[post("/loans/<id>/renew", data = "<_body>")]
pub(crate) async fn renew(
    id: LoanId,
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let actor = Actor::of(&auth.0);
    let policy = Policy::from_config(config);
    let at = now();
    let staff = auth.0;
    let renewed = db
        .write(move |tx| {
            let renewed = lending::renew(tx, policy, actor, id, at)?;
            audit::staff_did(tx, &staff, loan_action("loan.renew", &renewed))?;
            Ok(renewed)
        })
        .await?;
    Ok(Success::ok("RENEW LOAN", LoanView::new(&renewed, at)))
}
