//! Copies (items) over the wire.

use serde::{Deserialize, Deserializer, Serialize};

use super::input::Problems;
use super::HttpDate;
use crate::domain::book::optional;
use crate::domain::item::{self, Barcode, ItemStatus, MAX_LOCATION, MAX_NOTE};
use crate::domain::{BookId, ItemId, UserId};
use crate::error::AppError;
use crate::models::item::{Item, ItemFields, SeenCopy};

/// Who has a copy out, or whom it waits for on the hold shelf (staff see these).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Holder {
    #[schema(value_type = i64)]
    pub user_id: UserId,
    /// "Ana Lima (5B)".
    pub name: String,
    pub card_number: Option<String>,
    /// When the loan is due, or until when the hold shelf keeps the copy.
    pub until: HttpDate,
}

/// A copy of a book.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    #[schema(value_type = i64)]
    pub id: ItemId,
    #[schema(value_type = i64)]
    pub book_id: BookId,
    /// The book's title, for the desk.
    pub title: String,
    pub barcode: String,
    /// Where the copy stands, when not where the book's call number says.
    pub location: Option<String>,
    pub status: ItemStatus,
    /// YYYY-MM-DD.
    pub acquired_on: Option<String>,
    /// In the library's currency, two decimals at most.
    pub price: Option<f64>,
    pub note: Option<String>,
    /// Made by the upgrade to cover a loan the old copy count could not: check it.
    pub needs_review: bool,
    /// While `on_loan`: the borrower and the due date.
    pub on_loan_to: Option<Holder>,
    /// While `on_hold_shelf`: the reader it is kept for and until when.
    pub held_for: Option<Holder>,
    pub created_at: HttpDate,
    pub modified_at: HttpDate,
}

impl ItemView {
    pub fn new(
        item: &Item,
        title: String,
        on_loan_to: Option<Holder>,
        held_for: Option<Holder>,
    ) -> ItemView {
        ItemView {
            id: item.id,
            book_id: item.book_id,
            title,
            barcode: item.barcode.clone(),
            location: item.location.clone(),
            status: item.status,
            acquired_on: item.acquired_on.clone(),
            price: item.price_cents.map(|cents| cents as f64 / 100.0),
            note: item.note.clone(),
            needs_review: item.needs_review,
            on_loan_to,
            held_for,
            created_at: HttpDate(item.created_at),
            modified_at: HttpDate(item.modified_at),
        }
    }
}

/// Present (even as null) → Some; absent → None, through `#[serde(default)]`.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// POST /books/{id}/items and PATCH /items/{id}. A field left out stays as it is (on a new
/// copy: empty); null clears it, and so does a blank text (not a blank date). A new copy without `barcode` gets the next of
/// the library's sequence.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    /// A label already on the copy; 1–32 letters, digits or `- . / _`.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9./_-]+$")]
    pub barcode: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Date)]
    pub acquired_on: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 1000000, multiple_of = 0.01)]
    pub price: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$")]
    pub note: Option<Option<String>>,
    /// `available` (found, back from repair), `in_repair`, `in_transit`, `lost`,
    /// `missing` or `withdrawn`. Lending and check-in set the others.
    #[schema(value_type = Option<String>, pattern = "^(available|in_transit|in_repair|lost|missing|withdrawn)$")]
    pub status: Option<ItemStatus>,
}

/// A checked item request: the new barcode (if any), the fields, and a status change.
pub struct ItemChange {
    pub barcode: Option<Barcode>,
    pub fields: ItemFields,
    pub status: Option<ItemStatus>,
}

impl ItemRequest {
    /// Checks the request against `current` (a new copy: the defaults).
    pub fn validate(self, current: &ItemFields) -> Result<ItemChange, AppError> {
        let mut problems = Problems::default();
        let text = |problems: &mut Problems,
                    name: &str,
                    value: Option<Option<String>>,
                    old: &Option<String>,
                    max: usize| {
            match value {
                None => old.clone(),
                Some(None) => None,
                Some(Some(raw)) => problems
                    .check(name, optional(&raw, max))
                    .unwrap_or_default(),
            }
        };
        let barcode = self
            .barcode
            .and_then(|raw| problems.check("barcode", Barcode::parse(&raw)));
        let location = text(
            &mut problems,
            "location",
            self.location,
            &current.location,
            MAX_LOCATION,
        );
        let note = text(&mut problems, "note", self.note, &current.note, MAX_NOTE);
        let acquired_on = match self.acquired_on {
            None => current.acquired_on.clone(),
            Some(None) => None,
            // A date or null: the document says `format: date`, which a blank is not.
            Some(Some(raw)) => problems.check("acquired_on", item::date(&raw)),
        };
        let price_cents = match self.price {
            None => current.price_cents,
            Some(None) => None,
            Some(Some(price)) => problems.check("price", item::price_cents(price)),
        };
        if !problems.is_empty() {
            return Err(problems.into_error());
        }
        Ok(ItemChange {
            barcode,
            fields: ItemFields {
                location,
                acquired_on,
                price_cents,
                note,
            },
            status: self.status,
        })
    }
}

/// A copy as any reader sees it: where it stands and whether it is there, never who has
/// it or its barcode.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShelfCopy {
    /// The shelf (location) it belongs on, if the library recorded one.
    pub location: Option<String>,
    /// `available`: on the shelf; the others say where it is instead.
    pub status: ItemStatus,
    /// When it is due back, while it is on loan.
    pub due_at: Option<HttpDate>,
}

impl From<SeenCopy> for ShelfCopy {
    fn from(copy: SeenCopy) -> ShelfCopy {
        ShelfCopy {
            location: copy.location,
            status: copy.status,
            due_at: copy.due_at.map(HttpDate),
        }
    }
}
