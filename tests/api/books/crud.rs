//! Creating, reading, changing and deleting books, and the fields a request gets wrong.

use super::{add, dune, staffed};
use crate::common;
use crate::common::{png, Part, Payload};
use rocket::http::{ContentType, Method};
use serde_json::{json, Value};

#[test]
fn a_librarian_creates_a_book_with_every_field() {
    let (app, librarian, _) = staffed();
    let reply = app.post("/books", Some(&librarian), dune()).expect(201);
    assert_eq!(reply.body["message"], "CREATE BOOK SUCCESS");
    let book = reply.result();
    assert_eq!(book["title"], "Dune");
    assert_eq!(book["author"], "Frank Herbert");
    assert_eq!(book["isbn"], "9780441172719");
    assert_eq!(book["publisher"], "Ace");
    assert_eq!(book["published_year"], 1965);
    assert_eq!(book["language"], "en");
    assert_eq!(book["tags"], json!(["sf", "classic"]));
    assert_eq!(book["copies"], 3);
    assert_eq!(book["available"], 3);
    assert_eq!(book["cover_file"], Value::Null);
    assert!(book["created_at"].as_str().unwrap().ends_with(" GMT"));
    assert!(book["modified_at"].as_str().unwrap().ends_with(" GMT"));
    let id = book["id"].as_i64().unwrap();
    let fetched = app.get(&format!("/books/{id}"), None).expect(200);
    assert_eq!(fetched.result(), book);
}

#[test]
fn defaults_and_form_bodies() {
    let (app, librarian, _) = staffed();
    let book = add(
        &app,
        &librarian,
        json!({"title": "  Emma ", "author": "Jane Austen"}),
    );
    assert_eq!(book["title"], "Emma");
    assert_eq!(book["copies"], 1);
    assert_eq!(book["tags"], json!([]));
    assert_eq!(book["isbn"], Value::Null);
    let form = app
        .send(
            Method::Post,
            "/books",
            Some(&librarian),
            Payload::Form(vec![
                ("title".into(), "Persuasion".into()),
                ("author".into(), "Jane Austen".into()),
                ("tags".into(), "romance, classic ,".into()),
                ("copies".into(), "2".into()),
                ("published_year".into(), "1817".into()),
            ]),
        )
        .expect(201);
    assert_eq!(form.result()["tags"], json!(["romance", "classic"]));
    assert_eq!(form.result()["copies"], 2);
    assert_eq!(form.result()["published_year"], 1817);
    let multipart = app
        .send(
            Method::Post,
            "/books",
            Some(&librarian),
            Payload::Multipart(vec![
                Part::text("title", "Sanditon"),
                Part::text("author", "Jane Austen"),
                Part::text("copies", "0"),
            ]),
        )
        .expect(201);
    assert_eq!(multipart.result()["copies"], 0);
    assert_eq!(multipart.result()["available"], 0);
}

#[test]
fn writes_need_a_librarian() {
    let (app, librarian, member) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    app.post("/books", None, dune()).expect(401);
    app.post("/books", Some(&member), dune()).expect(403);
    app.patch(&format!("/books/{id}"), None, json!({"title": "X"}))
        .expect(401);
    app.patch(
        &format!("/books/{id}"),
        Some(&member),
        json!({"title": "X"}),
    )
    .expect(403);
    app.delete(&format!("/books/{id}"), None).expect(401);
    app.delete(&format!("/books/{id}"), Some(&member))
        .expect(403);
    let cover = Payload::Multipart(vec![Part::file("image", "c.png", png(10, 10))]);
    app.send(
        Method::Put,
        &format!("/books/{id}/cover"),
        Some(&member),
        cover,
    )
    .expect(403);
    app.get("/books/export.csv", Some(&member)).expect(403);
    app.get("/books/export.csv", None).expect(401);
    let file = Payload::Multipart(vec![Part::file(
        "file",
        "b.csv",
        b"title,author\nA,B\n".to_vec(),
    )]);
    app.send(Method::Post, "/books/import", Some(&member), file)
        .expect(403);
    // Nothing changed.
    let book = app.get(&format!("/books/{id}"), Some(&member)).expect(200);
    assert_eq!(book.result()["title"], "Dune");
    let total: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM books", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, 1);
}

#[test]
fn missing_and_malformed_fields_are_named() {
    let (app, librarian, _) = staffed();
    let reply = app.post("/books", Some(&librarian), json!({})).expect(400);
    assert_eq!(reply.body["errors"]["title"], "is required");
    assert_eq!(reply.body["errors"]["author"], "is required");
    for (body, field) in [
        (json!({"title": "A", "author": "B", "copies": -1}), "copies"),
        (
            json!({"title": "A", "author": "B", "copies": "abc"}),
            "copies",
        ),
        (
            json!({"title": "A", "author": "B", "copies": 1.5}),
            "copies",
        ),
        (
            json!({"title": "A", "author": "B", "copies": "1.5"}),
            "copies",
        ),
        (json!({"title": 5, "author": "B"}), "title"),
        (json!({"title": "   ", "author": "B"}), "title"),
        (json!({"title": "x".repeat(501), "author": "B"}), "title"),
        (json!({"title": "A", "author": "y".repeat(501)}), "author"),
        (
            json!({"title": "A", "author": "B", "description": "d".repeat(10_001)}),
            "description",
        ),
        (
            json!({"title": "A", "author": "B", "isbn": "0-306-40615-3"}),
            "isbn",
        ),
        (
            json!({"title": "A", "author": "B", "isbn": "not an isbn"}),
            "isbn",
        ),
        (
            json!({"title": "A", "author": "B", "published_year": 99999}),
            "published_year",
        ),
        (
            json!({"title": "A", "author": "B", "published_year": "soon"}),
            "published_year",
        ),
        (json!({"title": "A", "author": "B", "tags": [1, 2]}), "tags"),
        (
            json!({"title": "A", "author": "B", "tags": {"a": 1}}),
            "tags",
        ),
        (
            json!({"title": "A", "author": "B", "tags": ["t".repeat(51)]}),
            "tags",
        ),
        (
            json!({"title": "A", "author": "B", "tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "tags",
        ),
    ] {
        app.post("/books", Some(&librarian), body)
            .expect_field_error(400, field);
    }
    let reply = app.send(
        Method::Post,
        "/books",
        Some(&librarian),
        Payload::Raw(ContentType::JSON, b"{not json".to_vec()),
    );
    reply.expect_field_error(400, "body");
    let total: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM books", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, 0);
}

#[test]
fn isbns_are_unique_and_found_in_either_form() {
    let (app, librarian, _) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    let reply = app
        .post(
            "/books",
            Some(&librarian),
            json!({"title": "Dune again", "author": "F. H.", "isbn": "978-0-441-17271-9"}),
        )
        .expect_field_error(409, "isbn");
    assert_eq!(reply.body["message"], "CONFLICT");
    for form in [
        "0441172717",
        "0-441-17271-7",
        "9780441172719",
        "978-0-441-17271-9",
    ] {
        let found = app.get(&format!("/books/isbn/{form}"), None).expect(200);
        assert_eq!(found.result()["id"], id, "{form}");
    }
    app.get("/books/isbn/9780306406157", None).expect(404);
    app.get("/books/isbn/12345", None)
        .expect_field_error(400, "isbn");
    // X as an ISBN-10 check digit.
    let x = add(
        &app,
        &librarian,
        json!({"title": "T", "author": "A", "isbn": "0-8044-2957-X"}),
    );
    assert_eq!(x["isbn"], "9780804429573");
    // Changing a book's ISBN to another's is a conflict too.
    let other = x["id"].as_i64().unwrap();
    app.patch(
        &format!("/books/{other}"),
        Some(&librarian),
        json!({"isbn": "0441172717"}),
    )
    .expect_field_error(409, "isbn");
}

#[test]
fn unknown_and_non_numeric_ids() {
    let (app, librarian, _) = staffed();
    let reply = app.get("/books/999", None).expect(404);
    assert_eq!(reply.body["message"], "NOT FOUND");
    app.patch("/books/999", Some(&librarian), json!({"title": "X"}))
        .expect(404);
    app.delete("/books/999", Some(&librarian)).expect(404);
    let cover = Payload::Multipart(vec![Part::file("image", "c.png", png(10, 10))]);
    app.send(Method::Put, "/books/999/cover", Some(&librarian), cover)
        .expect(404);
    for path in ["/books/abc", "/books/1.5", "/books/-"] {
        let reply = app.get(path, None);
        assert!(
            (400..500).contains(&reply.status),
            "{path}: {}",
            reply.status
        );
        assert_eq!(reply.body["status"], json!(reply.status));
        let reply = app.delete(path, Some(&librarian));
        assert!(
            (400..500).contains(&reply.status),
            "{path}: {}",
            reply.status
        );
        assert_eq!(reply.body["status"], json!(reply.status));
    }
}

#[test]
fn patch_changes_only_what_is_sent() {
    let (app, librarian, _) = staffed();
    let book = add(&app, &librarian, dune());
    let id = book["id"].as_i64().unwrap();
    let changed = app
        .patch(
            &format!("/books/{id}"),
            Some(&librarian),
            json!({"title": "Dune (1965)", "tags": "sf, desert", "publisher": null, "copies": 5}),
        )
        .expect(200);
    let changed = changed.result();
    assert_eq!(changed["title"], "Dune (1965)");
    assert_eq!(changed["tags"], json!(["sf", "desert"]));
    assert_eq!(changed["publisher"], Value::Null);
    assert_eq!(changed["copies"], 5);
    assert_eq!(changed["author"], "Frank Herbert");
    assert_eq!(changed["isbn"], "9780441172719");
    assert_eq!(changed["published_year"], 1965);
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"copies": -2}), "copies"),
        (json!({"copies": "abc"}), "copies"),
        (json!({"copies": 2.5}), "copies"),
        (json!({"isbn": "123"}), "isbn"),
        (json!({"published_year": 123456}), "published_year"),
    ] {
        app.patch(&format!("/books/{id}"), Some(&librarian), body)
            .expect_field_error(400, field);
    }
    let after = app.get(&format!("/books/{id}"), None).expect(200);
    assert_eq!(after.result()["copies"], 5);
    assert_eq!(after.result()["title"], "Dune (1965)");
}

#[test]
fn an_empty_patch_is_refused_and_form_null_means_not_given() {
    let (app, librarian, _) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    app.patch(&format!("/books/{id}"), Some(&librarian), json!({}))
        .expect_field_error(400, "body");
    let form = vec![
        ("title".to_string(), "Emma".to_string()),
        ("author".to_string(), "Jane Austen".to_string()),
        ("copies".to_string(), "null".to_string()),
    ];
    let reply = app
        .send(
            rocket::http::Method::Post,
            "/books",
            Some(&librarian),
            common::Payload::Form(form),
        )
        .expect(201);
    assert_eq!(
        reply.result()["copies"],
        1,
        "null is 'not given': the default applies"
    );
    app.get("/books?sort=&order=&available=", None).expect(200);
    app.get("/books?available=yes", None)
        .expect_field_error(400, "available");
    app.get("/books?q=a&q=b", None).expect_field_error(400, "q");
}

#[test]
fn in_json_a_number_written_as_text_is_a_type_error() {
    let (app, librarian, _) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"copies": "5"}),
    )
    .expect_field_error(400, "copies");
    app.post(
        "/books",
        Some(&librarian),
        json!({"title": "T", "author": "A", "published_year": "1999"}),
    )
    .expect_field_error(400, "published_year");
    // 5.0 is an integer to JSON Schema, and so to the server.
    let reply = app
        .patch(
            &format!("/books/{id}"),
            Some(&librarian),
            json!({"copies": 5.0}),
        )
        .expect(200);
    assert_eq!(reply.result()["copies"], 5);
}
