//! Holds: joining a book's queue, listing, cancelling.

use rocket::{delete, get, post, routes, Route, State};

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::models::hold;
use crate::models::hold::HoldStatus;
use crate::models::now;
use crate::openapi::{Envelope, ErrorEnvelope, ListEnvelope};
use crate::services::lending::{self, Actor, Policy};
use crate::views::envelope::{Reply, Success};
use crate::views::loan::{hold_filter, HoldView};
use crate::views::paging;
use crate::views::query::QueryParams;

pub fn routes() -> Vec<Route> {
    routes![place, list, cancel]
}

/// Any signed-in user joins the book's queue for themself; with a copy free, the hold is
/// ready at once.
#[utoipa::path(tag = "circulation", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 201, description = "Placed, with its `position`", body = Envelope<HoldView>),
    (status = 409, description = "Already holding or borrowing this book", body = ErrorEnvelope),
))]
#[post("/books/<book_id>/holds")]
pub(crate) async fn place(
    book_id: i64,
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
) -> Reply {
    let holder = auth.0.id;
    let policy = Policy::from_config(config);
    let placed = db
        .write(move |tx| lending::place_hold(tx, policy, book_id, holder, now()))
        .await?;
    Ok(Success::created("PLACE HOLD", HoldView::new(&placed)))
}

/// Members see their own holds; staff see everyone's. Statuses depend on the clock (a
/// ready hold lapses), so the books shown are settled first, in the same transaction.
#[utoipa::path(tag = "circulation", security(("bearer" = []), ("access_token" = [])), params(
    ("book_id" = Option<i64>, Query, minimum = 1),
    ("status" = Option<HoldStatus>, Query),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of holds", body = ListEnvelope<HoldView>),
))]
#[get("/holds")]
pub(crate) async fn list(
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    query: QueryParams,
) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let mut filter = hold_filter(query.get("book_id")?, query.get("status")?)?;
    let actor = Actor::of(&auth.0);
    if !actor.staff {
        filter.user_id = Some(actor.id);
    }
    let policy = Policy::from_config(config);
    let (holds, total) = db
        .write(move |tx| {
            let at = now();
            match filter.book_id {
                Some(book_id) => lending::settle(tx, policy, book_id, at)?,
                None => lending::settle_open_holds(tx, policy, filter.user_id, at)?,
            }
            hold::list(tx, filter, page)
        })
        .await?;
    let views: Vec<HoldView> = holds.iter().map(HoldView::new).collect();
    Ok(Success::list("GET HOLDS", views, paging::meta(page, total)))
}

/// The holder or staff; a copy the hold had set aside passes to the next in line.
#[utoipa::path(tag = "circulation", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "Cancelled", body = Envelope<HoldView>),
    (status = 409, description = "The hold is already closed", body = ErrorEnvelope),
))]
#[delete("/holds/<id>")]
pub(crate) async fn cancel(
    id: i64,
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
) -> Reply {
    let actor = Actor::of(&auth.0);
    let policy = Policy::from_config(config);
    let cancelled = db
        .write(move |tx| lending::cancel_hold(tx, policy, actor, id, now()))
        .await?;
    Ok(Success::ok("CANCEL HOLD", HoldView::new(&cancelled)))
}
