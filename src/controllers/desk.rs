//! The circulation desk (librarians): check-in by barcode, and patrons found by card,
//! name or group, with their loans and holds.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;

use crate::auth::Librarian;
use crate::config::Config;
use crate::controllers::items::view as item_view;
use crate::controllers::loans::patron_by_card;
use crate::db::Db;
use crate::domain::item::ItemStatus;
use crate::domain::{BookId, UserId};
use crate::error::{ApiResult, AppError, ErrorEnvelope};
use crate::models::audit::{self, Action};
use crate::models::user::{self, User};
use crate::models::{book, hold, item, loan, now};
use crate::services::lending::{self, Next, Policy};
use crate::views::desk::{
    DeskHold, DeskLoan, PatronPanel, PatronView, ReturnRequest, ReturnView, RulesView, Standing,
};
use crate::views::envelope::{Envelope, Reply, Success};
use crate::views::input::Fields;
use crate::views::loan::{HoldView, LoanView};

pub fn routes() -> Vec<Route> {
    routes![check_in, by_card, by_id]
}

/// Checks a copy in, whoever has it, and says what to do with it next: back to the shelf,
/// or onto the hold shelf for the first waiting reader (whose hold becomes ready). A lost
/// or missing copy that turns up is found again.
#[utoipa::path(tag = "desk", security(("bearer" = []), ("access_token" = [])), request_body = ReturnRequest, responses(
    (status = 200, description = "Checked in; `next` and `instruction` say where the copy goes", body = Envelope<ReturnView>),
    (status = 404, description = "No copy has this barcode (`unknown_barcode`)", body = ErrorEnvelope),
    (status = 409, description = "The copy was not on loan (`not_on_loan`), is already on the hold shelf (`already_on_hold_shelf`) or withdrawn (`item_withdrawn`)", body = ErrorEnvelope),
    (status = 422, description = "A patron's card, not a copy (`patron_card_not_item`)", body = ErrorEnvelope),
))]
#[post("/returns", data = "<body>")]
pub(crate) async fn check_in(
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<ReturnRequest>,
) -> Reply {
    let barcode = body.0.validate()?;
    let policy = Policy::from_config(config);
    let at = now();
    let answer = db
        .write(move |tx| {
            let done = lending::check_in(tx, policy, barcode.as_str(), at)?;
            let mut what = match &done.loan {
                Some(loan) => crate::controllers::loans::loan_action("loan.return", loan),
                None => Action::new("item.found", "item", done.item.id.get()),
            };
            what = what.detail(format!("copy {} checked in", done.item.barcode));
            audit::record(tx, &staff.0, what)?;
            let item = item_view(tx, &done.item)?;
            let code = &done.item.barcode;
            let found = matches!(done.was, ItemStatus::Lost | ItemStatus::Missing);
            let mut instruction = match (&done.hold, done.next) {
                (Some((_, reader)), Next::HoldShelf) => {
                    format!("Put on the hold shelf for {}", reader.display_name())
                }
                _ => match &done.item.location {
                    Some(place) => format!("Back to the shelf: {place}"),
                    None => "Back to the shelf".to_string(),
                },
            };
            if found {
                instruction = format!(
                    "Copy {code} was {} and is found again. {instruction}",
                    done.was.words()
                );
            }
            Ok(ReturnView {
                item,
                loan: done.loan.as_ref().map(|l| LoanView::new(l, at)),
                previous_status: done.was,
                next: done.next,
                hold: done.hold.as_ref().map(|(h, _)| HoldView::new(h)),
                instruction,
            })
        })
        .await?;
    Ok(Success::ok("RETURN ITEM", answer))
}

fn panel(conn: &Connection, policy: Policy, patron: User) -> ApiResult<PatronPanel> {
    let at = now();
    let rules = policy.for_patron(conn, &patron)?;
    let blocked = lending::standing(&patron, at).map(|refusal| Standing {
        code: refusal.code.to_string(),
        detail: refusal.detail.clone(),
    });
    let title = |book_id: BookId| -> ApiResult<String> {
        Ok(book::title(conn, book_id)?.unwrap_or_default())
    };
    let loans = loan::out_for_user(conn, patron.id)?
        .iter()
        .map(|l| Ok(DeskLoan::new(l, title(l.book_id)?, at)))
        .collect::<ApiResult<Vec<_>>>()?;
    let holds = hold::open_for_user(conn, patron.id, at)?
        .iter()
        .map(|h| {
            let kept = match h.item_id {
                Some(id) => item::find(conn, id)?.map(|i| i.barcode),
                None => None,
            };
            Ok(DeskHold::new(h, title(h.book_id)?, kept))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let overdue = loan::count_overdue_for_user(conn, patron.id, at)?;
    Ok(PatronPanel {
        patron: PatronView::new(&patron),
        loans,
        holds,
        overdue,
        blocked,
        rules: RulesView {
            loan_days: rules.loan_secs / (24 * 60 * 60),
            max_loans: rules.max_active_loans,
            max_renewals: rules.max_renewals,
            max_holds: rules.max_holds,
        },
    })
}

/// The patron with this card, with their loans and holds. A copy's barcode is a 422.
#[utoipa::path(tag = "desk", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The patron's panel", body = Envelope<PatronPanel>),
    (status = 404, description = "No patron has this card (`unknown_card`)", body = ErrorEnvelope),
    (status = 422, description = "A copy's barcode, not a card (`item_not_card`)", body = ErrorEnvelope),
))]
#[get("/patrons/card/<card>")]
pub(crate) async fn by_card(
    card: &str,
    _staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
) -> Reply {
    let card = card.to_string();
    let policy = Policy::from_config(config);
    let found = db
        .run(move |conn| panel(conn, policy, patron_by_card(conn, &card)?))
        .await?;
    Ok(Success::ok("GET PATRON", found))
}

/// The patron, with their loans and holds.
#[utoipa::path(params(("id" = i64, Path)), tag = "desk", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The patron's panel", body = Envelope<PatronPanel>),
))]
#[get("/patrons/<id>")]
pub(crate) async fn by_id(
    id: UserId,
    _staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
) -> Reply {
    let policy = Policy::from_config(config);
    let found = db
        .run(move |conn| {
            let patron = user::find(conn, id)?.ok_or(AppError::NotFound)?;
            panel(conn, policy, patron)
        })
        .await?;
    Ok(Success::ok("GET PATRON", found))
}
