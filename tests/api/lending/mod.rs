//! Lending: loans and holds, and the helpers their tests share.

mod hold_rules;
mod holds;
mod loans;
mod returns;

use crate::common::{Reply, TestApp};
use library_server::config::Config;
use library_server::models::now;
use library_server::services::lending as lending_rules;
use library_server::services::lending::Policy;
use serde_json::{json, Value};

pub const DAY: i64 = 24 * 60 * 60;

/// Books are the catalogue's; this puts one straight into the tables, with `copies`
/// copies on the shelf.
pub fn add_book(app: &TestApp, copies: i64) -> i64 {
    let conn = app.sql();
    conn.execute(
        "INSERT INTO books (title, author, created_at, modified_at)
         VALUES ('A Book', 'An Author', 0, 0)",
        [],
    )
    .expect("insert book");
    let book = conn.last_insert_rowid();
    for _ in 0..copies {
        conn.execute(
            "INSERT INTO items (book_id, barcode, created_at, modified_at)
             VALUES (?1, 'T' || (SELECT COUNT(*) + 1 FROM items), 0, 0)",
            [book],
        )
        .expect("insert copy");
    }
    book
}

pub fn borrow(app: &TestApp, token: &str, book: i64) -> Reply {
    app.post("/loans", Some(token), json!({ "book_id": book }))
}

/// Borrows, which must succeed; the loan's id.
pub fn borrowed(app: &TestApp, token: &str, book: i64) -> i64 {
    borrow(app, token, book).expect(201).result()["id"]
        .as_i64()
        .expect("loan id")
}

pub fn give_back(app: &TestApp, token: &str, loan: i64) {
    app.post(&format!("/loans/{loan}/return"), Some(token), json!({}))
        .expect(200);
}

/// Copies of the book out, as stored.
pub fn out_count(app: &TestApp, book: i64) -> i64 {
    app.sql()
        .query_row(
            "SELECT COUNT(*) FROM loans WHERE book_id = ?1 AND returned_at IS NULL",
            [book],
            |r| r.get(0),
        )
        .expect("count")
}

/// An HTTP date from a reply, as Unix seconds.
pub fn seconds(date: &Value) -> i64 {
    let text = date.as_str().expect("a date string");
    let at = httpdate::parse_http_date(text).expect("an HTTP date");
    at.duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// The ids of a list reply, in order.
pub fn ids(reply: &Reply) -> Vec<i64> {
    reply
        .result()
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

fn hold(app: &TestApp, token: &str, book: i64) -> Reply {
    app.post(&format!("/books/{book}/holds"), Some(token), json!({}))
}

fn held(app: &TestApp, token: &str, book: i64) -> Value {
    hold(app, token, book).expect(201).result().clone()
}

/// The hold as its owner sees it in GET /holds (which settles first).
fn current(app: &TestApp, token: &str, id: &Value) -> Value {
    let reply = app.get("/holds", Some(token)).expect(200);
    reply
        .result()
        .as_array()
        .expect("a list")
        .iter()
        .find(|h| &h["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("hold {id} not listed: {}", reply.body))
}

/// What the background sweep does once a minute, done now.
fn sweep(app: &TestApp) -> usize {
    let mut conn = app.sql();
    let tx = conn.transaction().unwrap();
    let policy = Policy::from_config(&Config::default());
    let settled = lending_rules::settle_due(&tx, policy, now()).unwrap();
    tx.commit().unwrap();
    settled
}
