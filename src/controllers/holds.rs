//! Holds: joining a book's queue, listing, cancelling.

use rocket::{delete, get, post, routes, Route, State};

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::{BookId, HoldId};
use crate::error::AppError;
use crate::error::ErrorEnvelope;
use crate::models::audit::{self, Action};
use crate::models::hold;
use crate::models::hold::{Hold, HoldStatus};
use crate::models::{now, user};
use crate::services::lending::{self, Actor, Policy};
use crate::views::envelope::{Envelope, ListEnvelope};
use crate::views::envelope::{Reply, Success};
use crate::views::input::{Empty, Fields, NoFields};
use crate::views::loan::{hold_filter, HoldRequest, HoldView};
use crate::views::paging;
use crate::views::query::QueryParams;

pub fn routes() -> Vec<Route> {
    routes![place, list, cancel]
}

/// A signed-in user joins the book's queue; with a copy free, the hold is ready at once.
/// Members hold for themselves; staff may name any member as `user_id`.
/// How the audit log names a hold action: the hold, its reader and its book.
fn hold_action(action: &'static str, hold: &Hold) -> Action {
    Action::new(action, "hold", hold.id.get())
        .patron(hold.user_id)
        .detail(format!("book {}", hold.book_id))
}

#[utoipa::path(tag = "circulation", params(("book_id" = i64, Path)), security(("bearer" = []), ("access_token" = [])),
    request_body(content = Option<HoldRequest>, description = "Optional: staff name the member to hold for"),
    responses(
        (status = 201, description = "Placed, with its `position`", body = Envelope<HoldView>),
        (status = 404, description = "No such book or user", body = ErrorEnvelope),
        (status = 409, description = "Already holding or borrowing this book, or holding as many books as `max_holds` allows", body = ErrorEnvelope),
))]
#[post("/books/<book_id>/holds", data = "<body>")]
pub(crate) async fn place(
    book_id: BookId,
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<HoldRequest>,
) -> Reply {
    let actor = Actor::of(&auth.0);
    let holder = body.0.validate()?.unwrap_or(actor.id);
    actor.may_act_for(holder)?;
    let policy = Policy::from_config(config);
    let staff = auth.0;
    let placed = db
        .write(move |tx| {
            if holder != actor.id {
                user::find(tx, holder)?.ok_or(AppError::NotFound)?;
            }
            let placed = lending::place_hold(tx, policy, book_id, holder, now())?;
            audit::staff_did(tx, &staff, hold_action("hold.create", &placed))?;
            Ok(placed)
        })
        .await?;
    Ok(Success::created("PLACE HOLD", HoldView::new(&placed)))
}

/// Members see their own holds (naming another `user_id` is a 403); staff see everyone's,
/// or one person's. Statuses are as of now: a ready hold past its pickup time shows as
/// expired. A read: it never waits for the writer.
#[utoipa::path(tag = "circulation", security(("bearer" = []), ("access_token" = [])), params(
    ("user_id" = Option<i64>, Query, minimum = 1, description = "Members may name only themselves"),
    ("book_id" = Option<i64>, Query, minimum = 1),
    ("status" = Option<HoldStatus>, Query),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of holds", body = ListEnvelope<HoldView>),
))]
#[get("/holds")]
pub(crate) async fn list(auth: AuthUser, db: &State<Db>, query: QueryParams) -> Reply {
    let page = paging::parse(query.get("page")?, query.get("per_page")?)?;
    let mut filter = hold_filter(
        query.get("user_id")?,
        query.get("book_id")?,
        query.get("status")?,
    )?;
    let actor = Actor::of(&auth.0);
    if !actor.staff {
        actor.may_act_for(filter.user_id.unwrap_or(actor.id))?;
        filter.user_id = Some(actor.id);
    }
    let (holds, total) = db
        .run(move |conn| hold::list(conn, filter, now(), page))
        .await?;
    let views: Vec<HoldView> = holds.iter().map(HoldView::new).collect();
    Ok(Success::list("GET HOLDS", views, paging::meta(page, total)))
}

/// The holder or staff; a copy the hold had set aside passes to the next in line.
#[utoipa::path(tag = "circulation", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Cancelled", body = Envelope<HoldView>),
    (status = 409, description = "The hold is already closed", body = ErrorEnvelope),
))]
#[delete("/holds/<id>", data = "<_body>")]
pub(crate) async fn cancel(
    id: HoldId,
    auth: AuthUser,
    db: &State<Db>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let actor = Actor::of(&auth.0);
    let policy = Policy::from_config(config);
    let staff = auth.0;
    let cancelled = db
        .write(move |tx| {
            let cancelled = lending::cancel_hold(tx, policy, actor, id, now())?;
            audit::staff_did(tx, &staff, hold_action("hold.cancel", &cancelled))?;
            Ok(cancelled)
        })
        .await?;
    Ok(Success::ok("CANCEL HOLD", HoldView::new(&cancelled)))
}
