//! Patrons as a school keeps them (issue 13): records without e-mail, cards and PINs,
//! status, privacy, loan rules per group, class lists, the school year and the audit log.

mod audit;
mod class_list;
mod records;
mod rules;
mod upgrade;

use crate::common::TestApp;
use serde_json::{json, Value};

/// A school library: an admin and a librarian, and their tokens.
pub struct School {
    pub app: TestApp,
    pub admin: String,
    pub librarian: String,
    pub librarian_id: i64,
}

pub fn school() -> School {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (librarian_id, librarian) = app.librarian("libby", &admin);
    School {
        app,
        admin,
        librarian,
        librarian_id,
    }
}

/// Adds a pupil through POST /patrons (no e-mail, no password); returns the patron.
pub fn pupil(app: &TestApp, staff: &str, full_name: &str, group: &str) -> Value {
    app.post(
        "/patrons",
        Some(staff),
        json!({"full_name": full_name, "group": group}),
    )
    .expect(201)
    .result()
    .clone()
}

/// Adds a book with `copies` copies; returns its id.
pub fn book(app: &TestApp, staff: &str, title: &str, copies: i64) -> i64 {
    app.post(
        "/books",
        Some(staff),
        json!({"title": title, "author": "A. Writer", "copies": copies}),
    )
    .expect(201)
    .result()["id"]
        .as_i64()
        .unwrap()
}

/// Lends `book` to the patron with `card` at the desk; the reply.
pub fn lend(app: &TestApp, staff: &str, card: &str, book: i64) -> crate::common::Reply {
    app.post(
        "/loans",
        Some(staff),
        json!({"card_number": card, "book_id": book}),
    )
}
