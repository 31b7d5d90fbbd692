//! Large imports: the capped report, and lending that goes on meanwhile.

use super::{all_books, import, staffed};
use crate::common;
use crate::common::{server, settings_in, Part, Payload, TestApp};
use rocket::http::{ContentType, Header, Method};
use serde_json::{json, Value};

#[test]
fn twenty_thousand_bad_rows_list_the_first_hundred_and_count_them_all() {
    let (app, librarian) = staffed();
    let mut csv = String::from("title,author,copies\n");
    csv.push_str(&format!("Fine,Someone,{}\n", "9".repeat(5000)));
    for _ in 0..20_000 {
        csv.push_str(",Nobody,1\n");
    }
    csv.push_str("Good,Someone,1\n");
    let reply = import(&app, &librarian, csv.as_bytes()).expect(200);
    let result = reply.result();
    assert_eq!(result["created"], 1);
    assert_eq!(result["skipped"], 20_001);
    assert_eq!(result["error_count"], 20_001);
    assert_eq!(result["errors_truncated"], true);
    let errors = result["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100);
    assert_eq!(errors[1], json!({"line": 3, "reason": "title is required"}));
    assert_eq!(errors[99]["line"], 101);
    // A reason quotes at most the start of a cell, however long the cell.
    let first = errors[0]["reason"].as_str().unwrap();
    assert!(
        first.starts_with("copies \"999") && first.len() < 100,
        "{first}"
    );
    assert!(reply.bytes.len() < 10_000, "{} bytes", reply.bytes.len());
}

#[test]
fn lending_goes_on_while_a_large_file_is_imported() {
    let (app, librarian) = staffed();
    let (_, member) = app.user("reader");
    let book = app
        .post(
            "/books",
            Some(&librarian),
            json!({"title": "Lendable", "author": "A"}),
        )
        .expect(201)
        .result()["id"]
        .clone();
    // The same database, now served to a client that can send two requests at once.
    let TestApp { client, dir } = app;
    drop(client);
    rocket::execute(import_while_lending(dir, librarian, member, book));
}

async fn import_while_lending(
    dir: tempfile::TempDir,
    librarian: String,
    member: String,
    book: Value,
) {
    let settings = settings_in(dir.path());
    let client = rocket::local::asynchronous::Client::tracked(server(settings))
        .await
        .unwrap();
    let count_books = || -> i64 {
        rusqlite::Connection::open(dir.path().join("library.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM books", [], |r| r.get(0))
            .unwrap()
    };

    const ROWS: i64 = 10_000;
    let mut csv = String::from("title,author\n");
    for n in 0..ROWS {
        csv.push_str(&format!("Imported book {n},Someone\n"));
    }
    let bytes = common::multipart_body(&[Part::file("file", "books.csv", csv.into_bytes())]);
    let importing = async {
        let response = client
            .post("/books/import")
            .header(common::multipart_type())
            .header(Header::new("Authorization", format!("Bearer {librarian}")))
            .body(bytes)
            .dispatch()
            .await;
        let status = response.status().code;
        (status, response.into_string().await.unwrap_or_default())
    };
    let lending = async {
        // Once the import has written its first rows, a member borrows.
        while count_books() == 1 {
            rocket::tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let response = client
            .post("/loans")
            .header(ContentType::JSON)
            .header(Header::new("Authorization", format!("Bearer {member}")))
            .body(json!({"book_id": book}).to_string())
            .dispatch()
            .await;
        let status = response.status().code;
        (status, count_books())
    };
    let ((import_status, import_body), (loan_status, books_when_lent)) =
        rocket::tokio::join!(importing, lending);
    assert_eq!(import_status, 200, "{import_body}");
    let report: Value = serde_json::from_str(&import_body).unwrap();
    assert_eq!(report["result"]["created"], ROWS);
    assert_eq!(loan_status, 201);
    assert!(
        books_when_lent < ROWS + 1,
        "the loan waited for the whole import ({books_when_lent} books when it was answered)"
    );
}

#[test]
fn a_csv_sent_under_another_field_name_is_refused_naming_the_field_expected() {
    let (app, librarian) = staffed();
    let reply = app
        .send(
            Method::Post,
            "/books/import",
            Some(&librarian),
            Payload::Multipart(vec![Part::file(
                "csv",
                "books.csv",
                b"title,author\nDune,Frank Herbert\n".to_vec(),
            )]),
        )
        .expect_field_error(400, "file");
    let problem = reply.body["errors"]["file"].as_str().unwrap();
    assert!(problem.contains("multipart field `file`"), "{problem}");
    assert!(problem.contains("came as `csv`"), "{problem}");
    assert!(all_books(&app).is_empty());
}
