//! CSV import (three formats) and export over HTTP.

mod export;
mod import;
mod large;

use crate::common;
use crate::common::{Part, Payload, TestApp};
use rocket::http::Method;
use serde_json::Value;

fn staffed() -> (TestApp, String) {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("libby", &admin);
    (app, librarian)
}

fn import(app: &TestApp, token: &str, csv: &[u8]) -> common::Reply {
    app.send(
        Method::Post,
        "/books/import",
        Some(token),
        Payload::Multipart(vec![Part::file("file", "books.csv", csv.to_vec())]),
    )
}

fn all_books(app: &TestApp) -> Vec<Value> {
    app.get("/books?sort=title&per_page=100", None)
        .expect(200)
        .result()
        .as_array()
        .unwrap()
        .clone()
}

fn by_title<'a>(books: &'a [Value], title: &str) -> &'a Value {
    books
        .iter()
        .find(|b| b["title"] == title)
        .unwrap_or_else(|| panic!("no {title:?} in {books:?}"))
}
