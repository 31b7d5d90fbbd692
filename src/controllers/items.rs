//! Copies: a book's items, looked up by barcode, added, changed, withdrawn, lost and found
//! (librarians).

use rocket::{delete, get, patch, post, routes, Route, State};
use rusqlite::Connection;

use crate::auth::{CatalogueReader, Librarian};
use crate::config::Config;
use crate::db::Db;
use crate::domain::item::ItemStatus;
use crate::domain::{BookId, ItemId, UserId};
use crate::error::{ApiResult, AppError, ErrorEnvelope};
use crate::models::audit::{self, Action};
use crate::models::item::{self, Item, ItemFields};
use crate::models::user::User;
use crate::models::{book, hold, loan, now, user};
use crate::services::copies::{self, CopyRules};
use crate::services::lending;
use crate::views::envelope::{Envelope, Reply, Success};
use crate::views::input::{Empty, Fields, NoFields};
use crate::views::item::{Holder, ItemRequest, ItemView, ShelfCopy};

pub fn routes() -> Vec<Route> {
    routes![for_book, on_shelves, add, by_id, by_barcode, change, withdraw, lost, found]
}

fn holder(conn: &Connection, user_id: UserId, until: i64) -> ApiResult<Option<Holder>> {
    Ok(user::find(conn, user_id)?.map(|who: User| Holder {
        user_id,
        name: who.display_name(),
        card_number: who.card_number.clone(),
        until: crate::views::HttpDate(until),
    }))
}

/// The copy as staff see it: with its book's title and who has it.
pub(crate) fn view(conn: &Connection, copy: &Item) -> ApiResult<ItemView> {
    let title = book::title(conn, copy.book_id)?.unwrap_or_default();
    let on_loan_to = match loan::out_for_item(conn, copy.id)? {
        Some(out) => match out.user_id {
            Some(reader) => holder(conn, reader, out.due_at)?,
            None => None,
        },
        None => None,
    };
    let held_for = match hold::ready_for_item(conn, copy.id)? {
        Some(kept) => holder(conn, kept.user_id, kept.ready_until.unwrap_or_default())?,
        None => None,
    };
    Ok(ItemView::new(copy, title, on_loan_to, held_for))
}

fn find(conn: &Connection, id: ItemId) -> ApiResult<Item> {
    item::find(conn, id)?.ok_or(AppError::NotFound)
}

/// Every copy of the book, withdrawn ones too, oldest first.
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The book's copies", body = Envelope<Vec<ItemView>>),
))]
#[get("/books/<id>/items", rank = 2)]
pub(crate) async fn for_book(id: BookId, _staff: Librarian, db: &State<Db>) -> Reply {
    let views = db
        .run(move |conn| {
            if !loan::book_exists(conn, id)? {
                return Err(AppError::NotFound);
            }
            item::for_book(conn, id)?
                .iter()
                .map(|copy| view(conn, copy))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Success::ok("GET ITEMS", views))
}

/// The book's copies as readers see them: each one's shelf and status, and when one on
/// loan is due back; withdrawn, lost and missing copies are left out. Anyone may ask,
/// unless the catalogue is for members only.
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", responses(
    (status = 200, description = "The book's copies", body = Envelope<Vec<ShelfCopy>>),
    (status = 401, description = "The library made its catalogue members-only (`catalogue_members_only`), and no valid token came", body = ErrorEnvelope),
    (status = 404, description = "No such book", body = ErrorEnvelope),
))]
#[get("/books/<id>/copies", rank = 2)]
pub(crate) async fn on_shelves(id: BookId, _reader: CatalogueReader, db: &State<Db>) -> Reply {
    let copies = db
        .run(move |conn| {
            if !loan::book_exists(conn, id)? {
                return Err(AppError::NotFound);
            }
            item::seen_by_readers(conn, id)
        })
        .await?;
    let copies: Vec<ShelfCopy> = copies.into_iter().map(ShelfCopy::from).collect();
    Ok(Success::ok("GET COPIES", copies))
}

/// Adds a copy: with the barcode on its label, or the next of the library's sequence
/// (`item_barcode_prefix`). A reader waiting for the book gets it on the hold shelf.
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), request_body(content = Option<ItemRequest>, description = "All optional"), responses(
    (status = 201, description = "Added", body = Envelope<ItemView>),
    (status = 409, description = "The barcode is another copy's or a patron's card", body = ErrorEnvelope),
))]
#[post("/books/<id>/items", data = "<body>", rank = 2)]
pub(crate) async fn add(
    id: BookId,
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<ItemRequest>,
) -> Reply {
    let change = body.0.validate(&ItemFields::default())?;
    let rules = CopyRules::from_config(config);
    let added = db
        .write(move |tx| {
            let at = now();
            let mut copy = copies::add(
                tx,
                rules.policy,
                id,
                change.barcode,
                &change.fields,
                &rules.prefix,
                at,
            )?;
            // A copy may arrive in repair, say: the status is set as a change would set
            // it, in the same transaction, so a refused one adds nothing.
            if let Some(status) = change.status {
                copy = copies::set_status(tx, rules.policy, &copy, status, at)?;
            }
            audit::record(tx, &staff.0, item_action("item.create", &copy))?;
            view(tx, &copy)
        })
        .await?;
    Ok(Success::created("ADD ITEM", added))
}

#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The copy", body = Envelope<ItemView>),
))]
#[get("/items/<id>")]
pub(crate) async fn by_id(id: ItemId, _staff: Librarian, db: &State<Db>) -> Reply {
    let found = db.run(move |conn| view(conn, &find(conn, id)?)).await?;
    Ok(Success::ok("GET ITEM", found))
}

/// The copy with this barcode, in any letter case. A patron's card number is a 422 that
/// names the patron; an unknown code a 404 with `code` `unknown_barcode`.
#[utoipa::path(tag = "copies", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "The copy", body = Envelope<ItemView>),
    (status = 404, description = "No copy has this barcode (`unknown_barcode`)", body = ErrorEnvelope),
    (status = 422, description = "This is a patron's card (`patron_card_not_item`)", body = ErrorEnvelope),
))]
#[get("/items/barcode/<barcode>")]
pub(crate) async fn by_barcode(barcode: &str, _staff: Librarian, db: &State<Db>) -> Reply {
    let code = barcode.to_string();
    let found = db
        .run(move |conn| match item::find_by_barcode(conn, &code)? {
            Some(copy) => view(conn, &copy),
            None => Err(lending::unknown_barcode(conn, &code, lending::Actor::DESK)?),
        })
        .await?;
    Ok(Success::ok("GET ITEM", found))
}

/// Changes a copy's barcode, location, acquisition date, price or note, or its status by
/// hand (lost, missing, found = `available`, in repair, in transit, withdrawn).
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), request_body = ItemRequest, responses(
    (status = 200, description = "Changed", body = Envelope<ItemView>),
    (status = 409, description = "The barcode is taken, or the copy is on loan (`item_on_loan`)", body = ErrorEnvelope),
))]
#[patch("/items/<id>", data = "<body>")]
pub(crate) async fn change(
    id: ItemId,
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<ItemRequest>,
) -> Reply {
    let request = body.0;
    let rules = CopyRules::from_config(config);
    let changed = db
        .write(move |tx| {
            let copy = find(tx, id)?;
            let current = ItemFields {
                location: copy.location.clone(),
                acquired_on: copy.acquired_on.clone(),
                price_cents: copy.price_cents,
                note: copy.note.clone(),
            };
            let change = request.validate(&current)?;
            let barcode = match change.barcode {
                Some(barcode) => barcode,
                None => crate::domain::item::Barcode::parse(&copy.barcode)
                    .map_err(|e| AppError::Internal(format!("stored barcode: {e}")))?,
            };
            item::update(tx, id, &barcode, &change.fields)?;
            let mut copy = find(tx, id)?;
            if let Some(status) = change.status {
                copy = copies::set_status(tx, rules.policy, &copy, status, now())?;
            }
            audit::record(tx, &staff.0, item_action("item.update", &copy))?;
            view(tx, &copy)
        })
        .await?;
    Ok(Success::ok("UPDATE ITEM", changed))
}

/// How the audit log names a copy action: the copy, by barcode and status.
fn item_action(action: &'static str, copy: &Item) -> Action {
    Action::new(action, "item", copy.id.get()).detail(format!(
        "copy {} ({})",
        copy.barcode,
        copy.status.as_str()
    ))
}

async fn set_status(
    db: &Db,
    config: &Config,
    staff: Librarian,
    id: ItemId,
    status: ItemStatus,
    action: &'static str,
) -> ApiResult<ItemView> {
    let policy = lending::Policy::from_config(config);
    db.write(move |tx| {
        let copy = find(tx, id)?;
        let changed = copies::set_status(tx, policy, &copy, status, now())?;
        audit::record(tx, &staff.0, item_action(action, &changed))?;
        view(tx, &changed)
    })
    .await
}

/// Withdraws the copy from the collection (it stays on record, no longer counted). A copy
/// on loan must be checked in first.
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Withdrawn", body = Envelope<ItemView>),
    (status = 409, description = "On loan (`item_on_loan`)", body = ErrorEnvelope),
))]
#[delete("/items/<id>", data = "<_body>")]
pub(crate) async fn withdraw(
    id: ItemId,
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let view = set_status(db, config, staff, id, ItemStatus::Withdrawn, "item.delete").await?;
    Ok(Success::ok("WITHDRAW ITEM", view))
}

/// Marks the copy lost: a loan of it ends, a hold it was kept for goes back to the queue.
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Marked lost", body = Envelope<ItemView>),
))]
#[post("/items/<id>/lost", data = "<_body>")]
pub(crate) async fn lost(
    id: ItemId,
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let view = set_status(db, config, staff, id, ItemStatus::Lost, "item.lost").await?;
    Ok(Success::ok("MARK ITEM LOST", view))
}

/// A lost or missing copy is found: back on the shelf, or to the first waiting reader.
#[utoipa::path(params(("id" = i64, Path)), tag = "copies", security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Found", body = Envelope<ItemView>),
    (status = 409, description = "The copy was not lost or missing (`not_lost`)", body = ErrorEnvelope),
))]
#[post("/items/<id>/found", data = "<_body>")]
pub(crate) async fn found(
    id: ItemId,
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    _body: NoFields,
) -> Reply {
    let policy = lending::Policy::from_config(config);
    let view = db
        .write(move |tx| {
            let copy = find(tx, id)?;
            if !matches!(copy.status, ItemStatus::Lost | ItemStatus::Missing) {
                return Err(crate::error::Refusal::new(
                    "not_lost",
                    "status",
                    format!("Copy {} is {}, not lost", copy.barcode, copy.status.words()),
                )
                .param("barcode", copy.barcode.as_str())
                .param("status", copy.status.as_str())
                .into());
            }
            let changed = copies::set_status(tx, policy, &copy, ItemStatus::Available, now())?;
            audit::record(tx, &staff.0, item_action("item.found", &changed))?;
            view(tx, &changed)
        })
        .await?;
    Ok(Success::ok("MARK ITEM FOUND", view))
}
