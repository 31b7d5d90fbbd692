//! Subtitle, series and series number: in, out, searched, patched, limited.

use super::{add, staffed};
use crate::common::Payload;
use rocket::http::Method;
use serde_json::{json, Value};

fn in_a_series() -> Value {
    json!({
        "title": "The Two Towers", "subtitle": "Being the Second Part of the Trilogy",
        "author": "J. R. R. Tolkien", "series": "The Lord of the Rings", "series_number": 2
    })
}

#[test]
fn subtitle_and_series_go_in_and_come_back() {
    let (app, librarian, _) = staffed();
    let book = add(&app, &librarian, in_a_series());
    assert_eq!(book["subtitle"], "Being the Second Part of the Trilogy");
    assert_eq!(book["series"], "The Lord of the Rings");
    assert_eq!(book["series_number"], 2);
    let id = book["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/books/{id}"), None).expect(200).result(),
        &book
    );
    // A listing adds the shelves of the free copies (none recorded here), nothing else.
    let listed = app.get("/books", None).expect(200);
    let mut entry = listed.result()[0].clone();
    assert_eq!(entry["shelves"], json!([]));
    entry.as_object_mut().unwrap().remove("shelves");
    assert_eq!(entry, book);
    // A book without them shows them as null.
    let plain = add(
        &app,
        &librarian,
        json!({"title": "Emma", "author": "Jane Austen"}),
    );
    for field in ["subtitle", "series", "series_number"] {
        assert_eq!(plain[field], Value::Null, "{field}");
    }
    // A form sends the number as text.
    let form = app
        .send(
            Method::Post,
            "/books",
            Some(&librarian),
            Payload::Form(vec![
                ("title".into(), "The Return of the King".into()),
                ("author".into(), "J. R. R. Tolkien".into()),
                ("series".into(), "The Lord of the Rings".into()),
                ("series_number".into(), "3".into()),
            ]),
        )
        .expect(201);
    assert_eq!(form.result()["series_number"], 3);
}

#[test]
fn search_finds_words_of_the_subtitle_and_the_series() {
    let (app, librarian, _) = staffed();
    let id = add(&app, &librarian, in_a_series())["id"].as_i64().unwrap();
    add(
        &app,
        &librarian,
        json!({"title": "Emma", "author": "Jane Austen"}),
    );
    for q in ["lord rings", "second part", "tolkien towers"] {
        let found = app.get(&format!("/books?q={}", q.replace(' ', "%20")), None);
        let found = found.expect(200);
        let ids: Vec<i64> = found
            .result()
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![id], "{q}");
    }
    // A change to the series is searchable at once, the old words no longer.
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"series": "Middle-earth"}),
    )
    .expect(200);
    let found = app.get("/books?q=middle", None).expect(200);
    assert_eq!(found.body["meta"]["total"], 1, "{}", found.body);
    let gone = app.get("/books?q=rings", None).expect(200);
    assert_eq!(gone.body["meta"]["total"], 0, "{}", gone.body);
}

#[test]
fn a_patch_changes_one_series_field_and_null_clears_it() {
    let (app, librarian, _) = staffed();
    let book = add(&app, &librarian, in_a_series());
    let id = book["id"].as_i64().unwrap();
    let changed = app
        .patch(
            &format!("/books/{id}"),
            Some(&librarian),
            json!({"series_number": 7}),
        )
        .expect(200)
        .result()
        .clone();
    assert_eq!(changed["series_number"], 7);
    for field in ["title", "subtitle", "author", "series", "copies", "tags"] {
        assert_eq!(changed[field], book[field], "{field} unchanged");
    }
    let cleared = app
        .patch(
            &format!("/books/{id}"),
            Some(&librarian),
            json!({"subtitle": null, "series": "", "series_number": null}),
        )
        .expect(200)
        .result()
        .clone();
    for field in ["subtitle", "series", "series_number"] {
        assert_eq!(cleared[field], Value::Null, "{field} cleared");
    }
    assert_eq!(cleared["title"], "The Two Towers");
}

#[test]
fn subtitle_and_series_have_limits_named_in_the_error() {
    let (app, librarian, _) = staffed();
    let long = "x".repeat(501);
    for (body, field) in [
        (
            json!({"title": "A", "author": "B", "subtitle": long}),
            "subtitle",
        ),
        (
            json!({"title": "A", "author": "B", "series": long}),
            "series",
        ),
        (
            json!({"title": "A", "author": "B", "series_number": 0}),
            "series_number",
        ),
        (
            json!({"title": "A", "author": "B", "series_number": 10001}),
            "series_number",
        ),
        (
            json!({"title": "A", "author": "B", "series_number": "3"}),
            "series_number",
        ),
        (
            json!({"title": "A", "author": "B", "series_number": 2.5}),
            "series_number",
        ),
        (
            json!({"title": "A", "author": "B", "subtitle": "a\u{0}b"}),
            "subtitle",
        ),
    ] {
        app.post("/books", Some(&librarian), body)
            .expect_field_error(400, field);
    }
    let reply = app
        .post(
            "/books",
            Some(&librarian),
            json!({"title": "A", "author": "B", "series_number": 0}),
        )
        .expect_field_error(400, "series_number");
    assert_eq!(
        reply.body["errors"]["series_number"],
        "must be a whole number from 1 to 10000"
    );
    let id = add(&app, &librarian, in_a_series())["id"].as_i64().unwrap();
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"series_number": 0}),
    )
    .expect_field_error(400, "series_number");
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"subtitle": long}),
    )
    .expect_field_error(400, "subtitle");
    let book = app.get(&format!("/books/{id}"), None).expect(200);
    assert_eq!(
        book.result()["series_number"],
        2,
        "a refused change changes nothing"
    );
}
