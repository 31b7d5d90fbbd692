//! Copies you can scan (issue 12), checked as the desk would meet them: items with barcodes,
//! lending and check-in by barcode, the patrons' cards, and the upgrade of old databases.

mod contract;
mod items;
mod lending;
mod patrons;
mod race;
mod refusals;
mod returns;
mod statuses;
mod upgrade;

use crate::common::{Reply, TestApp};
use library_server::config::Config;
use rusqlite::types::ValueRef;
use serde_json::{json, Value};

/// A patron at the desk: their id, token and card number.
pub struct Patron {
    pub id: i64,
    pub token: String,
    pub card: String,
}

/// A library with an admin, a librarian and two members with names and classes:
/// Ana Lima (5B) and Ben Okafor (6A).
pub struct Desk {
    pub app: TestApp,
    pub librarian: String,
    pub ana: Patron,
    pub ben: Patron,
}

pub fn desk() -> Desk {
    desk_with(|config| config)
}

pub fn desk_with(tweak: impl FnOnce(Config) -> Config) -> Desk {
    let app = TestApp::with(tweak);
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("libby", &admin);
    let ana = patron(&app, &librarian, "ana", "Ana Lima", "5B");
    let ben = patron(&app, &librarian, "ben", "Ben Okafor", "6A");
    Desk {
        app,
        librarian,
        ana,
        ben,
    }
}

/// Registers `name` and gives them a full name and a group at the desk.
pub fn patron(app: &TestApp, staff: &str, name: &str, full_name: &str, group: &str) -> Patron {
    let (id, token) = app.user(name);
    let reply = app
        .patch(
            &format!("/patrons/{id}"),
            Some(staff),
            json!({"full_name": full_name, "group": group}),
        )
        .expect(200);
    let card = reply.result()["card_number"]
        .as_str()
        .expect("a card number")
        .to_string();
    Patron { id, token, card }
}

/// A book added through the API with `copies` copies; its id.
pub fn book(app: &TestApp, staff: &str, title: &str, copies: i64) -> i64 {
    app.post(
        "/books",
        Some(staff),
        json!({"title": title, "author": "A. Writer", "copies": copies}),
    )
    .expect(201)
    .result()["id"]
        .as_i64()
        .expect("book id")
}

/// The book's copies as staff list them.
pub fn items(app: &TestApp, staff: &str, book: i64) -> Vec<Value> {
    app.get(&format!("/books/{book}/items"), Some(staff))
        .expect(200)
        .result()
        .as_array()
        .expect("a list")
        .clone()
}

pub fn barcodes(app: &TestApp, staff: &str, book: i64) -> Vec<String> {
    items(app, staff, book)
        .iter()
        .map(|item| item["barcode"].as_str().expect("barcode").to_string())
        .collect()
}

/// (copies, available) of the book as anyone reads it.
pub fn counts(app: &TestApp, book: i64) -> (i64, i64) {
    let reply = app.get(&format!("/books/{book}"), None).expect(200);
    let book = reply.result();
    (
        book["copies"].as_i64().expect("copies"),
        book["available"].as_i64().expect("available"),
    )
}

/// The stored status of the copy with this barcode.
pub fn status(app: &TestApp, barcode: &str) -> String {
    app.sql()
        .query_row(
            "SELECT status FROM items WHERE barcode = ?1",
            [barcode],
            |r| r.get(0),
        )
        .expect("the copy")
}

/// The item id of the copy with this barcode.
pub fn item_id(app: &TestApp, barcode: &str) -> i64 {
    app.sql()
        .query_row("SELECT id FROM items WHERE barcode = ?1", [barcode], |r| {
            r.get(0)
        })
        .expect("the copy")
}

/// Staff lend the copy to the patron with this card; must succeed; the loan.
pub fn lend(app: &TestApp, staff: &str, barcode: &str, card: &str) -> Value {
    app.post(
        "/loans",
        Some(staff),
        json!({"barcode": barcode, "card_number": card}),
    )
    .expect(201)
    .result()
    .clone()
}

/// Every row the desk could change (items, loans, holds, patrons' desk fields), as text:
/// equal before and after a refused request means nothing changed.
pub fn snapshot(app: &TestApp) -> Vec<String> {
    let conn = app.sql();
    let mut out = Vec::new();
    for sql in [
        "SELECT id, book_id, barcode, location, status, acquired_on, price_cents, note,
                needs_review FROM items ORDER BY id",
        "SELECT * FROM loans ORDER BY id",
        "SELECT * FROM holds ORDER BY id",
        "SELECT id, full_name, card_number, group_name FROM users ORDER BY id",
        "SELECT id, title FROM books ORDER BY id",
    ] {
        let mut stmt = conn.prepare(sql).expect("query");
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..width)
                    .map(|i| match r.get_ref(i).unwrap() {
                        ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned(),
                        other => format!("{other:?}"),
                    })
                    .collect();
                Ok(cells.join("|"))
            })
            .expect("rows")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        out.push(format!("-- {sql}"));
        out.extend(rows);
    }
    out
}

/// A circulation refusal: the status, its stable `code`, an English `detail` (also under
/// `errors`), and `params` naming the scanned code where there is one.
pub fn refused(reply: Reply, status: u16, code: &str) -> Reply {
    let reply = reply.expect(status);
    assert_eq!(reply.body["code"], code, "code; body: {}", reply.body);
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.is_empty(),
        "an English detail; body: {}",
        reply.body
    );
    assert!(
        reply.body["params"].is_object(),
        "params; body: {}",
        reply.body
    );
    let errors = reply.body["errors"].as_object().expect("errors");
    assert!(
        errors.values().any(|text| text == detail),
        "errors repeat the detail; body: {}",
        reply.body
    );
    reply
}

/// The reply's `detail`.
pub fn detail(reply: &Reply) -> String {
    reply.body["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Open loans of the copy with this barcode: (loan id, user id).
pub fn open_loans_of(app: &TestApp, barcode: &str) -> Vec<(i64, i64)> {
    app.sql()
        .prepare(
            "SELECT l.id, l.user_id FROM loans l JOIN items i ON i.id = l.item_id
             WHERE i.barcode = ?1 AND l.returned_at IS NULL ORDER BY l.id",
        )
        .unwrap()
        .query_map([barcode], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// "3 Dec": how the desk says a date, worked out here from the HTTP date.
pub fn short_date(http_date: &Value) -> String {
    let text = http_date.as_str().expect("a date");
    // "Thu, 03 Dec 2026 10:00:00 GMT"
    let parts: Vec<&str> = text.split(' ').collect();
    format!("{} {}", parts[1].trim_start_matches('0'), parts[2])
}

/// Makes the patron's open loans overdue by `days`.
pub fn make_overdue(app: &TestApp, user_id: i64, days: i64) {
    app.sql()
        .execute(
            "UPDATE loans SET borrowed_at = unixepoch() - (?2 + 14) * 86400,
                              due_at = unixepoch() - ?2 * 86400
             WHERE user_id = ?1 AND returned_at IS NULL",
            [user_id, days],
        )
        .unwrap();
}
