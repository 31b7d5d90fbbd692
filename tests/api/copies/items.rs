//! A book's copies: added with generated or typed barcodes, edited, looked up by barcode,
//! and who may touch them (their statuses are in `statuses.rs`).

use super::*;
use crate::common::Payload;
use rocket::http::Method;

#[test]
fn new_copies_get_the_next_barcodes_of_the_sequence() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    let listed = items(app, staff, id);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["barcode"], "000001");
    assert_eq!(listed[1]["barcode"], "000002");
    for item in &listed {
        assert_eq!(item["status"], "available");
        assert_eq!(item["book_id"], id);
        assert_eq!(item["title"], "Dune");
        assert_eq!(item["needs_review"], false);
        assert!(item["on_loan_to"].is_null() && item["held_for"].is_null());
    }
    let added = app
        .post(&format!("/books/{id}/items"), Some(staff), json!({}))
        .expect(201);
    assert_eq!(added.body["message"], "ADD ITEM SUCCESS");
    assert_eq!(added.result()["barcode"], "000003");
    assert_eq!(added.result()["status"], "available");
    // No body at all is a copy with every field empty, too.
    let bare = app.send(
        Method::Post,
        &format!("/books/{id}/items"),
        Some(staff),
        Payload::None,
    );
    assert_eq!(bare.expect(201).result()["barcode"], "000004");
    assert_eq!(counts(app, id), (4, 4));
}

#[test]
fn the_barcode_prefix_comes_from_the_configuration() {
    let d = desk_with(|mut c| {
        c.item_barcode_prefix = "LIB".into();
        c
    });
    let id = book(&d.app, &d.librarian, "Dune", 1);
    let added = d
        .app
        .post(&format!("/books/{id}/items"), Some(&d.librarian), json!({}))
        .expect(201);
    assert_eq!(added.result()["barcode"], "LIB000002");
    assert_eq!(
        barcodes(&d.app, &d.librarian, id),
        ["LIB000001", "LIB000002"]
    );
}

#[test]
fn a_typed_barcode_is_kept_with_its_fields_and_the_sequence_skips_it() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 0);
    let typed = app
        .post(
            &format!("/books/{id}/items"),
            Some(staff),
            json!({"barcode": " 000002 ", "location": "Room 2, shelf B",
                   "acquired_on": "2024-02-29", "price": 12.5, "note": "gift"}),
        )
        .expect(201);
    let item = typed.result();
    assert_eq!(item["barcode"], "000002", "padding trimmed");
    assert_eq!(item["location"], "Room 2, shelf B");
    assert_eq!(item["acquired_on"], "2024-02-29");
    assert_eq!(item["price"], 12.5);
    assert_eq!(item["note"], "gift");
    let add = || {
        app.post(&format!("/books/{id}/items"), Some(staff), json!({}))
            .expect(201)
            .result()["barcode"]
            .clone()
    };
    assert_eq!(add(), "000001");
    assert_eq!(add(), "000003", "000002 is taken by the typed label");
    let stored: i64 = app
        .sql()
        .query_row(
            "SELECT price_cents FROM items WHERE barcode = '000002'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 1250);
}

#[test]
fn a_duplicate_barcode_in_any_letter_case_is_a_conflict_and_changes_nothing() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    app.post(
        &format!("/books/{id}/items"),
        Some(staff),
        json!({"barcode": "ab-12"}),
    )
    .expect(201);
    let before = snapshot(app);
    for code in ["ab-12", "AB-12", " Ab-12 ", "000001"] {
        let reply = app
            .post(
                &format!("/books/{id}/items"),
                Some(staff),
                json!({"barcode": code, "note": "second"}),
            )
            .expect_field_error(409, "barcode");
        assert_eq!(reply.body["message"], "CONFLICT");
    }
    // Relabelling another copy with it is the same conflict.
    let first = item_id(app, "000001");
    app.patch(
        &format!("/items/{first}"),
        Some(staff),
        json!({"barcode": "AB-12", "note": "relabelled"}),
    )
    .expect_field_error(409, "barcode");
    assert_eq!(snapshot(app), before);
    assert_eq!(counts(app, id), (2, 2));
}

#[test]
fn a_patrons_card_number_cannot_label_a_copy() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let before = snapshot(app);
    for code in [d.ana.card.clone(), d.ana.card.to_lowercase()] {
        let reply = app
            .post(
                &format!("/books/{id}/items"),
                Some(staff),
                json!({"barcode": code}),
            )
            .expect_field_error(409, "barcode");
        assert!(
            reply.body["errors"]["barcode"]
                .as_str()
                .unwrap()
                .contains("card"),
            "{}",
            reply.body
        );
    }
    let first = item_id(app, "000001");
    app.patch(
        &format!("/items/{first}"),
        Some(staff),
        json!({"barcode": d.ben.card}),
    )
    .expect_field_error(409, "barcode");
    assert_eq!(snapshot(app), before);
}

#[test]
fn bad_barcodes_dates_prices_and_fields_are_refused_and_change_nothing() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let before = snapshot(app);
    let path = format!("/books/{id}/items");
    let long = "1".repeat(33);
    for (body, field) in [
        (json!({"barcode": "a b"}), "barcode"),
        (json!({"barcode": "é1"}), "barcode"),
        (json!({"barcode": "12;34"}), "barcode"),
        (json!({"barcode": long}), "barcode"),
        (json!({"barcode": "  "}), "barcode"),
        (json!({"acquired_on": "2023-02-29"}), "acquired_on"),
        (json!({"acquired_on": "yesterday"}), "acquired_on"),
        (json!({"acquired_on": "2023-2-1"}), "acquired_on"),
        (json!({"acquired_on": ""}), "acquired_on"),
        (json!({"price": -1}), "price"),
        (json!({"price": 1.005}), "price"),
        (json!({"price": 2000000}), "price"),
        (json!({"location": "x".repeat(101)}), "location"),
        (json!({"status": "gone"}), "status"),
    ] {
        app.post(&path, Some(staff), body.clone())
            .expect_field_error(400, field);
        let first = item_id(app, "000001");
        app.patch(&format!("/items/{first}"), Some(staff), body)
            .expect_field_error(400, field);
    }
    // Exactly 32 characters is a barcode.
    let longest = "A".repeat(32);
    let reply = app
        .post(&path, Some(staff), json!({"barcode": longest}))
        .expect(201);
    assert_eq!(reply.result()["barcode"], longest.as_str());
    let mut after = snapshot(app);
    after.retain(|row| !row.contains(&longest));
    assert_eq!(after, before);
    // A copy may arrive with a status of its own, as a change would set it.
    let repair = app
        .post(&path, Some(staff), json!({"status": "in_repair"}))
        .expect(201);
    assert_eq!(repair.result()["status"], "in_repair");
}

#[test]
fn a_copy_is_edited_and_fields_are_cleared_with_null() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let item = item_id(app, "000001");
    let path = format!("/items/{item}");
    let changed = app
        .patch(
            &path,
            Some(staff),
            json!({"location": "Reading room", "acquired_on": "2020-01-31",
                   "price": 9.99, "note": "spine taped"}),
        )
        .expect(200);
    assert_eq!(changed.body["message"], "UPDATE ITEM SUCCESS");
    let view = changed.result();
    assert_eq!(view["location"], "Reading room");
    assert_eq!(view["acquired_on"], "2020-01-31");
    assert_eq!(view["price"], 9.99);
    assert_eq!(view["note"], "spine taped");
    assert_eq!(view["barcode"], "000001", "left out, so kept");
    let cleared = app
        .patch(&path, Some(staff), json!({"location": null, "price": null}))
        .expect(200);
    let view = cleared.result();
    assert!(view["location"].is_null() && view["price"].is_null());
    assert_eq!(view["note"], "spine taped");
    assert_eq!(view["acquired_on"], "2020-01-31");
    let blank = app
        .patch(
            &path,
            Some(staff),
            json!({"note": "  ", "acquired_on": null}),
        )
        .expect(200);
    assert!(blank.result()["note"].is_null() && blank.result()["acquired_on"].is_null());
    // A new label: the old barcode is gone, the new one finds the copy.
    app.patch(&path, Some(staff), json!({"barcode": "rel-7"}))
        .expect(200);
    let found = app.get("/items/barcode/REL-7", Some(staff)).expect(200);
    assert_eq!(found.result()["id"], item);
    assert_eq!(found.result()["barcode"], "rel-7");
    refused(
        app.get("/items/barcode/000001", Some(staff)),
        404,
        "unknown_barcode",
    );
    let by_id = app.get(&path, Some(staff)).expect(200);
    assert_eq!(by_id.result()["barcode"], "rel-7");
    assert_eq!(by_id.result()["book_id"], id);
}

#[test]
fn a_copy_is_looked_up_by_its_barcode_in_any_case() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    app.post(
        &format!("/books/{id}/items"),
        Some(staff),
        json!({"barcode": "Lib-9"}),
    )
    .expect(201);
    let loan = lend(app, staff, "lib-9", &d.ana.card);
    let found = app.get("/items/barcode/LIB-9", Some(staff)).expect(200);
    let item = found.result();
    assert_eq!(item["barcode"], "Lib-9");
    assert_eq!(item["status"], "on_loan");
    assert_eq!(item["title"], "Dune");
    assert_eq!(item["on_loan_to"]["user_id"], d.ana.id);
    assert_eq!(item["on_loan_to"]["name"], "Ana Lima (5B)");
    assert_eq!(item["on_loan_to"]["card_number"], d.ana.card.as_str());
    assert_eq!(item["on_loan_to"]["until"], loan["due_at"]);

    let unknown = refused(
        app.get("/items/barcode/NOPE-1", Some(staff)),
        404,
        "unknown_barcode",
    );
    assert_eq!(unknown.body["params"]["barcode"], "NOPE-1");
    assert!(detail(&unknown).contains("NOPE-1"));
    let card = refused(
        app.get(&format!("/items/barcode/{}", d.ben.card), Some(staff)),
        422,
        "patron_card_not_item",
    );
    assert_eq!(card.body["params"]["user_id"], d.ben.id);
    assert!(detail(&card).contains("Ben Okafor (6A)"), "{}", card.body);
}

/// Every copy and desk endpoint: members get 403, no token 401, each with the envelope.
#[test]
fn members_are_forbidden_and_strangers_unauthorized_on_every_copy_and_desk_endpoint() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let item = item_id(app, "000001");
    let before = snapshot(app);
    let endpoints = [
        (Method::Get, format!("/books/{id}/items"), None),
        (Method::Post, format!("/books/{id}/items"), Some(json!({}))),
        (Method::Get, format!("/items/{item}"), None),
        (Method::Get, "/items/barcode/000001".to_string(), None),
        (
            Method::Patch,
            format!("/items/{item}"),
            Some(json!({"note": "x"})),
        ),
        (Method::Delete, format!("/items/{item}"), None),
        (Method::Post, format!("/items/{item}/lost"), Some(json!({}))),
        (
            Method::Post,
            format!("/items/{item}/found"),
            Some(json!({})),
        ),
        (
            Method::Post,
            "/returns".to_string(),
            Some(json!({"barcode": "000001"})),
        ),
        (Method::Get, "/patrons?q=ana".to_string(), None),
        (Method::Get, format!("/patrons/card/{}", d.ana.card), None),
        (Method::Get, format!("/patrons/{}", d.ana.id), None),
        (
            Method::Patch,
            format!("/patrons/{}", d.ana.id),
            Some(json!({"group": "7C"})),
        ),
    ];
    for (method, path, body) in endpoints {
        for (token, status) in [(Some(d.ana.token.as_str()), 403), (None, 401)] {
            let payload = match &body {
                Some(body) => Payload::Json(body.clone()),
                None => Payload::None,
            };
            let reply = app.send(method, &path, token, payload);
            assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
            let reply = reply.expect(status);
            assert!(
                reply.body["result"].is_null(),
                "{method} {path}: {}",
                reply.body
            );
        }
    }
    assert_eq!(snapshot(app), before);
}

#[test]
fn unknown_books_and_copies_are_not_found() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 1);
    let before = snapshot(app);
    app.get("/books/9999/items", Some(staff)).expect(404);
    app.post("/books/9999/items", Some(staff), json!({}))
        .expect(404);
    app.get("/items/9999", Some(staff)).expect(404);
    app.patch("/items/9999", Some(staff), json!({"note": "x"}))
        .expect(404);
    app.delete("/items/9999", Some(staff)).expect(404);
    app.post("/items/9999/lost", Some(staff), json!({}))
        .expect(404);
    app.post("/items/9999/found", Some(staff), json!({}))
        .expect(404);
    app.get("/items/abc", Some(staff)).expect(400);
    assert_eq!(snapshot(app), before);
}
