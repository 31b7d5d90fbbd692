//! The catalogue over HTTP: create, read, search, change, delete, covers.

mod copies;
mod covers;
mod crud;
mod limits;
mod search;
mod series;

use crate::common;
use crate::common::TestApp;
use serde_json::{json, Value};

/// An app with an admin, a librarian and a member: (app, librarian token, member token).
fn staffed() -> (TestApp, String, String) {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("libby", &admin);
    let (_, member) = app.user("mem");
    (app, librarian, member)
}

fn add(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/books", Some(token), body)
        .expect(201)
        .result()
        .clone()
}

fn dune() -> Value {
    json!({
        "title": "Dune", "author": "Frank Herbert", "isbn": "0-441-17271-7",
        "publisher": "Ace", "published_year": 1965, "language": "en",
        "description": "A desert planet and its spice.", "tags": ["sf", "classic"], "copies": 3
    })
}

/// Puts a loan straight into the tables: one of the book's copies on the shelf goes out.
fn lend(app: &TestApp, book_id: i64, user_id: i64) {
    app.sql()
        .execute_batch(&format!(
            "INSERT INTO loans (book_id, user_id, borrowed_at, due_at, item_id)
             VALUES ({book_id}, {user_id}, 0, 9999999999,
                     (SELECT MIN(id) FROM items WHERE book_id = {book_id} AND status = 'available'));
             UPDATE items SET status = 'on_loan'
             WHERE id = (SELECT item_id FROM loans WHERE id = last_insert_rowid());"
        ))
        .unwrap();
}

/// Puts a hold straight into the tables; a ready one keeps one of the book's copies on the
/// shelf for its holder. `ready_until` is SQL.
fn hold_in_tables(app: &TestApp, book_id: i64, user_id: i64, status: &str, ready_until: &str) {
    let item = match status {
        "ready" => format!(
            "(SELECT MIN(id) FROM items WHERE book_id = {book_id} AND status = 'available')"
        ),
        _ => "NULL".into(),
    };
    app.sql()
        .execute_batch(&format!(
            "INSERT INTO holds (book_id, user_id, created_at, status, ready_until, item_id)
             VALUES ({book_id}, {user_id}, 0, '{status}', {ready_until}, {item});
             UPDATE items SET status = 'on_hold_shelf'
             WHERE id = (SELECT item_id FROM holds WHERE id = last_insert_rowid());"
        ))
        .unwrap();
}

fn member_id(app: &TestApp) -> i64 {
    app.sql()
        .query_row("SELECT id FROM users WHERE username = 'mem'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

fn titles(reply: &common::Reply) -> Vec<String> {
    reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap().to_string())
        .collect()
}
