//! Copies: what `available` counts, and why copies cannot drop below loans and holds.

use super::{add, dune, hold_in_tables, lend, member_id, staffed, titles};
use crate::common::{Part, Payload, TestApp};
use rocket::http::Method;
use serde_json::{json, Value};

#[test]
fn available_counts_loans_and_holds_and_copies_cannot_drop_below_loans() {
    let (app, librarian, _) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    let member = member_id(&app);
    // Two copies out, to two people (a user has at most one open loan of a book).
    lend(&app, id, member);
    lend(&app, id, 1);
    let book = app.get(&format!("/books/{id}"), None).expect(200);
    assert_eq!(book.result()["available"], 1);
    // A ready hold keeps a copy; an expired "ready" one does not; a waiting one counts.
    let conn = app.sql();
    hold_in_tables(&app, id, member, "ready", "unixepoch() + 3600");
    assert_eq!(
        app.get(&format!("/books/{id}"), None).expect(200).result()["available"],
        0
    );
    conn.execute("UPDATE holds SET ready_until = unixepoch() - 10", [])
        .unwrap();
    assert_eq!(
        app.get(&format!("/books/{id}"), None).expect(200).result()["available"],
        1
    );
    // Never negative.
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"copies": 2}),
    )
    .expect(200);
    conn.execute(
        "UPDATE holds SET status = 'waiting', ready_until = NULL",
        [],
    )
    .unwrap();
    assert_eq!(
        app.get(&format!("/books/{id}"), None).expect(200).result()["available"],
        0
    );
    let reply = app
        .patch(
            &format!("/books/{id}"),
            Some(&librarian),
            json!({"copies": 1}),
        )
        .expect_field_error(409, "copies");
    assert_eq!(reply.body["message"], "CONFLICT");
    // Deleting while on loan is refused, and the book stays.
    app.delete(&format!("/books/{id}"), Some(&librarian))
        .expect(409);
    app.get(&format!("/books/{id}"), None).expect(200);
    conn.execute_batch(
        "UPDATE loans SET returned_at = 1;
         UPDATE items SET status = 'available' WHERE status = 'on_loan';",
    )
    .unwrap();
    // A waiting hold also keeps the book (see a_book_is_not_deleted_while_holds_wait_for_it).
    conn.execute("UPDATE holds SET status = 'cancelled'", [])
        .unwrap();
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"copies": 0}),
    )
    .expect(200);
    let gone = app
        .delete(&format!("/books/{id}"), Some(&librarian))
        .expect(200);
    assert_eq!(gone.body["message"], "DELETE BOOK SUCCESS");
    assert_eq!(gone.result()["id"], id);
    app.get(&format!("/books/{id}"), None).expect(404);
}

#[test]
fn the_available_filter_agrees_with_the_available_field() {
    let (app, librarian, _) = staffed();
    let member = member_id(&app);
    let mut ids = Vec::new();
    for (title, copies) in [
        ("Free", 1),
        ("None owned", 0),
        ("Waited for", 1),
        ("Ready for someone", 1),
        ("Lapsed hold", 1),
        ("One of two out", 2),
        ("All out", 1),
    ] {
        let book = add(
            &app,
            &librarian,
            json!({"title": title, "author": "A", "copies": copies}),
        );
        ids.push(book["id"].as_i64().unwrap());
    }
    let hold = |id: i64, status: &str, ready_until: &str| {
        hold_in_tables(&app, id, member, status, ready_until)
    };
    hold(ids[2], "waiting", "NULL");
    hold(ids[3], "ready", "unixepoch() + 3600");
    hold(ids[4], "ready", "unixepoch() - 3600");
    lend(&app, ids[5], member);
    lend(&app, ids[6], member);
    let on_shelf = app
        .get("/books?available=true&sort=title", None)
        .expect(200);
    assert_eq!(titles(&on_shelf), ["Free", "Lapsed hold", "One of two out"]);
    assert_eq!(on_shelf.body["meta"]["total"], 3);
    let all = app.get("/books?sort=title", None).expect(200);
    let with_copies: Vec<String> = all
        .result()
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["available"].as_i64().unwrap() > 0)
        .map(|b| b["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(with_copies, titles(&on_shelf));
}

/// Places a hold as `token`; the hold.
fn place_hold(app: &TestApp, token: &str, book: i64) -> Value {
    app.post(&format!("/books/{book}/holds"), Some(token), json!({}))
        .expect(201)
        .result()
        .clone()
}

#[test]
fn copies_cannot_drop_below_the_loans_and_the_hold_shelf() {
    let (app, librarian, member) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    let path = format!("/books/{id}");
    let (_, ann) = app.user("ann");
    // Three copies: two out on loan, one set aside for the member's ready hold.
    lend(&app, id, 1);
    app.post("/loans", Some(&ann), json!({"book_id": id}))
        .expect(201);
    assert_eq!(place_hold(&app, &member, id)["status"], "ready");

    let reply = app
        .patch(&path, Some(&librarian), json!({"copies": 2}))
        .expect_field_error(409, "copies");
    assert_eq!(
        reply.body["errors"]["copies"],
        "cannot go below 3: 2 copies are out on loan and 1 waits on the hold shelf"
    );
    // A CSV import that lowers the copies is held to the same rule.
    let csv = "title,author,isbn,copies\nDune,Frank Herbert,9780441172719,1\n";
    let report = app.send(
        Method::Post,
        "/books/import",
        Some(&librarian),
        Payload::Multipart(vec![Part::file(
            "file",
            "books.csv",
            csv.as_bytes().to_vec(),
        )]),
    );
    let report = report.expect(200).result().clone();
    assert_eq!(report["skipped"], 1, "{report}");
    assert_eq!(
        report["errors"][0]["reason"],
        "copies cannot go below 3: 2 copies are out on loan and 1 waits on the hold shelf"
    );
    assert_eq!(app.get(&path, None).expect(200).result()["copies"], 3);

    // The member collects the copy kept for them: three loans on three copies.
    app.post("/loans", Some(&member), json!({"book_id": id}))
        .expect(201);
    let reply = app
        .patch(&path, Some(&librarian), json!({"copies": 1}))
        .expect_field_error(409, "copies");
    assert_eq!(
        reply.body["errors"]["copies"],
        "cannot go below 3: 3 copies are out on loan"
    );
    app.patch(&path, Some(&librarian), json!({"copies": 3}))
        .expect(200);
}

#[test]
fn raising_copies_hands_the_new_copy_to_the_first_waiting_hold() {
    let (app, librarian, member) = staffed();
    let id = add(
        &app,
        &librarian,
        json!({"title": "T", "author": "A", "copies": 1}),
    )["id"]
        .as_i64()
        .unwrap();
    lend(&app, id, 1);
    let waiting = place_hold(&app, &member, id);
    assert_eq!(waiting["status"], "waiting");
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"copies": 2}),
    )
    .expect(200);
    let holds = app.get("/holds", Some(&member)).expect(200);
    assert_eq!(holds.result()[0]["status"], "ready", "{}", holds.body);
}

#[test]
fn a_book_is_not_deleted_while_holds_wait_for_it() {
    let (app, librarian, member) = staffed();
    let id = add(
        &app,
        &librarian,
        json!({"title": "T", "author": "A", "copies": 1}),
    )["id"]
        .as_i64()
        .unwrap();
    let hold = place_hold(&app, &member, id);
    let reply = app
        .delete(&format!("/books/{id}"), Some(&librarian))
        .expect_field_error(409, "id");
    assert_eq!(
        reply.body["errors"]["id"],
        "1 hold waits for this book; cancel it first"
    );
    app.get(&format!("/books/{id}"), None).expect(200);
    let count: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM holds", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);

    app.delete(&format!("/holds/{}", hold["id"]), Some(&librarian))
        .expect(200);
    app.delete(&format!("/books/{id}"), Some(&librarian))
        .expect(200);
    app.get(&format!("/books/{id}"), None).expect(404);
}
