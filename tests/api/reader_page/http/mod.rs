//! The reader page over plain HTTP: what the server writes into `/` and `/book/{id}`, its
//! files, and the API it uses (copies, shelves, the language filter, the members-only
//! catalogue, password change, reading history, refusal codes).

mod account;
mod book_page;
mod catalogue;
mod pages;
mod refusals;

use crate::common::{png, Part, Payload, Reply, TestApp, PASSWORD};
use library_server::config::Config;
use rocket::http::{Cookie, Header, Method};
use serde_json::{json, Value};

/// A library with an admin, a librarian and a member: (app, admin, librarian, member).
fn library() -> (TestApp, String, String, String) {
    library_with(|config| config)
}

fn library_with(tweak: impl FnOnce(Config) -> Config) -> (TestApp, String, String, String) {
    let app = TestApp::with(tweak);
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("libby", &admin);
    let (_, member) = app.user("borrower_ann");
    (app, admin, librarian, member)
}

/// The body of an HTML reply.
fn html(reply: &Reply) -> String {
    String::from_utf8(reply.bytes.clone()).expect("a UTF-8 page")
}

fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    app.send_with(Method::Get, path, headers, Payload::None)
}

/// A page that must be there (200).
fn ok_page(reply: Reply) -> Reply {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    reply
}

/// A page asked for with the page's language cookie (and maybe the browser's
/// Accept-Language): (status, HTML).
fn page_with_cookie(
    app: &TestApp,
    path: &str,
    lang: &str,
    accept_language: Option<&str>,
) -> (u16, String) {
    let mut request = app
        .client
        .get(path.to_string())
        .cookie(Cookie::new("lang", lang.to_string()));
    if let Some(accepted) = accept_language {
        request = request.header(Header::new("Accept-Language", accepted.to_string()));
    }
    let response = request.dispatch();
    let status = response.status().code;
    (status, response.into_string().unwrap_or_default())
}

/// The `content` of the first `<meta {key}="{name}" content="…">` of a page.
fn meta(html: &str, key: &str, name: &str) -> Option<String> {
    let start = format!("<meta {key}=\"{name}\" content=\"");
    let at = html.find(&start)? + start.len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

fn canonical(html: &str) -> Option<String> {
    let start = "<link rel=\"canonical\" href=\"";
    let at = html.find(start)? + start.len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

const JSON_LD: &str = "<script type=\"application/ld+json\">";

/// The page's schema.org block, parsed: what lies between its opening tag and the first
/// `</script>` after it (where a browser ends it too).
fn json_ld(html: &str) -> Value {
    let at = html.find(JSON_LD).expect("a JSON-LD block") + JSON_LD.len();
    let end = html[at..].find("</script>").expect("the block's end");
    serde_json::from_str(&html[at..at + end])
        .unwrap_or_else(|e| panic!("the JSON-LD does not parse ({e}): {}", &html[at..at + end]))
}

fn settings(app: &TestApp, admin: &str, body: Value) -> Value {
    app.patch("/settings", Some(admin), body)
        .expect(200)
        .result()
        .clone()
}

fn add_book(app: &TestApp, librarian: &str, body: Value) -> i64 {
    app.post("/books", Some(librarian), body)
        .expect(201)
        .result()["id"]
        .as_i64()
        .expect("book id")
}

fn dune() -> Value {
    json!({
        "title": "Dune", "subtitle": "Book One", "author": "Frank Herbert",
        "isbn": "0-441-17271-7", "publisher": "Ace", "published_year": 1965,
        "language": "en", "description": "A desert planet and its spice.",
        "tags": ["sf", "classic"], "copies": 1
    })
}

fn add_copy(app: &TestApp, librarian: &str, book: i64, body: Value) {
    app.post(&format!("/books/{book}/items"), Some(librarian), body)
        .expect(201);
}

/// A book with a copy in every state a reader may or may not see:
/// (app, admin, librarian, member, book id, the member's loan).
/// Copies in id order: B2 on loan to the member, H8 on the hold shelf for a second member,
/// Z9, A1, A1 and one with no shelf free, C3 in repair, D4 in transit, then E5 withdrawn,
/// F6 lost and G7 missing (which readers never see).
fn shelved_book() -> (TestApp, String, String, String, i64, Value) {
    let (app, admin, librarian, member) = library();
    let (_, other) = app.user("second_reader");
    let book = add_book(
        &app,
        &librarian,
        json!({"title": "Dune", "author": "Frank Herbert", "copies": 0}),
    );
    add_copy(
        &app,
        &librarian,
        book,
        json!({"barcode": "LOAN-1", "location": "B2"}),
    );
    let loan = app
        .post("/loans", Some(&member), json!({"book_id": book}))
        .expect(201)
        .result()
        .clone();
    add_copy(
        &app,
        &librarian,
        book,
        json!({"barcode": "HOLD-1", "location": "H8"}),
    );
    let hold = app
        .post(&format!("/books/{book}/holds"), Some(&other), json!({}))
        .expect(201);
    assert_eq!(hold.result()["status"], "ready", "{}", hold.body);
    for (barcode, location) in [("FREE-1", "Z9"), ("FREE-2", "A1"), ("FREE-3", "A1")] {
        add_copy(
            &app,
            &librarian,
            book,
            json!({"barcode": barcode, "location": location}),
        );
    }
    add_copy(&app, &librarian, book, json!({"barcode": "FREE-4"}));
    for (barcode, location, status) in [
        ("REP-1", "C3", "in_repair"),
        ("TRA-1", "D4", "in_transit"),
        ("GONE-1", "E5", "withdrawn"),
        ("LOST-1", "F6", "lost"),
        ("MISS-1", "G7", "missing"),
    ] {
        add_copy(
            &app,
            &librarian,
            book,
            json!({"barcode": barcode, "location": location, "status": status}),
        );
    }
    (app, admin, librarian, member, book, loan)
}

/// "Fri, 21 Aug 2020 12:30:06 GMT" as the page writes it before its script runs:
/// "2020-08-21".
fn iso_day(http_date: &str) -> String {
    let parts: Vec<&str> = http_date.split_whitespace().collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[2]).expect("a month") + 1;
    format!("{}-{month:02}-{}", parts[3], parts[1])
}

fn titles(reply: &Reply) -> Vec<String> {
    reply
        .result()
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| b["title"].as_str().expect("title").to_string())
        .collect()
}

fn loan_ids(reply: &Reply) -> Vec<i64> {
    reply
        .result()
        .as_array()
        .expect("a list")
        .iter()
        .map(|l| l["id"].as_i64().expect("id"))
        .collect()
}

/// A book with `copies` copies and no other fields.
fn plain_book(app: &TestApp, librarian: &str, title: &str, copies: i64) -> i64 {
    add_book(
        app,
        librarian,
        json!({"title": title, "author": "An Author", "copies": copies}),
    )
}

fn borrow(app: &TestApp, token: &str, book: i64) -> i64 {
    app.post("/loans", Some(token), json!({"book_id": book}))
        .expect(201)
        .result()["id"]
        .as_i64()
        .expect("loan id")
}

/// Asserts a 409 refusal with its code, its detail, and the older `errors` entry for
/// `field`.
fn refused(reply: Reply, code: &str, field: &str) -> Reply {
    let reply = reply.expect_field_error(409, field);
    assert_eq!(reply.body["message"], "CONFLICT");
    assert_eq!(reply.body["code"], code, "{}", reply.body);
    let detail = reply.body["detail"].as_str().expect("a detail");
    assert!(!detail.is_empty());
    assert_eq!(reply.body["errors"][field], detail, "{}", reply.body);
    reply
}
