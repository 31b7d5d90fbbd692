//! Holds: who sees them, reading never writes, the limit, staff placing them.

use super::{add_book, borrowed, current, held, hold, ids, sweep};
use crate::common::{Payload, TestApp};
use library_server::models::now;
use rocket::http::Method;
use serde_json::{json, Value};

#[test]
fn members_list_their_own_holds_and_staff_list_all() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let (_, cat) = app.user("cat");
    let first = add_book(&app, 1);
    let second = add_book(&app, 1);
    borrowed(&app, &cat, first);
    borrowed(&app, &cat, second);
    let ann_first = held(&app, &ann, first)["id"].as_i64().unwrap();
    let bob_first = held(&app, &bob, first)["id"].as_i64().unwrap();
    let ann_second = held(&app, &ann, second)["id"].as_i64().unwrap();
    app.delete(&format!("/holds/{ann_second}"), Some(&ann))
        .expect(200);

    let mine = app.get("/holds", Some(&bob)).expect(200);
    assert_eq!(mine.body["message"], "GET HOLDS SUCCESS");
    assert_eq!(ids(&mine), vec![bob_first]);
    assert_eq!(
        mine.body["meta"],
        json!({"page": 1, "per_page": 20, "total": 1})
    );
    let anns = app.get("/holds?status=waiting", Some(&ann)).expect(200);
    assert_eq!(ids(&anns), vec![ann_first]);

    let all = app.get("/holds", Some(&librarian)).expect(200);
    assert_eq!(ids(&all), vec![ann_first, bob_first, ann_second]);
    let by_book = app.get(&format!("/holds?book_id={first}"), Some(&librarian));
    assert_eq!(ids(&by_book.expect(200)), vec![ann_first, bob_first]);
    let cancelled = app.get("/holds?status=cancelled", Some(&librarian));
    assert_eq!(ids(&cancelled.expect(200)), vec![ann_second]);
    let paged = app
        .get("/holds?page=2&per_page=2", Some(&librarian))
        .expect(200);
    assert_eq!(ids(&paged), vec![ann_second]);
    assert_eq!(
        paged.body["meta"],
        json!({"page": 2, "per_page": 2, "total": 3})
    );

    app.get("/holds?status=lost", Some(&librarian))
        .expect_field_error(400, "status");
    app.get("/holds?book_id=x", Some(&librarian))
        .expect_field_error(400, "book_id");
    app.get("/holds?per_page=101", Some(&librarian))
        .expect_field_error(400, "per_page");
}

/// `PRAGMA data_version` of a connection of our own moves when any other connection commits.
fn data_version(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn reading_holds_never_writes_yet_a_lapsed_hold_reads_as_expired() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let book = add_book(&app, 1);
    let anns = held(&app, &ann, book);
    held(&app, &bob, book);
    assert_eq!(anns["status"], "ready");
    let id = anns["id"].as_i64().unwrap();
    let conn = app.sql();
    conn.execute(
        "UPDATE holds SET ready_until = ?2 WHERE id = ?1",
        [id, now() - 60],
    )
    .unwrap();

    let before = data_version(&conn);
    for (path, token) in [
        ("/holds".to_string(), &ann),
        ("/holds".to_string(), &admin),
        (format!("/holds?book_id={book}"), &admin),
        ("/holds?status=expired".to_string(), &admin),
        ("/loans".to_string(), &admin),
        (format!("/books/{book}"), &admin),
        ("/books".to_string(), &admin),
    ] {
        app.get(&path, Some(token.as_str())).expect(200);
    }
    assert_eq!(data_version(&conn), before, "a GET wrote to the database");
    let stored: String = conn
        .query_row("SELECT status FROM holds WHERE id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert_eq!(
        stored, "ready",
        "the lapse is recorded by a write, not a read"
    );

    // Yet every read shows it as it stands.
    let shown = current(&app, &ann, &anns["id"]);
    assert_eq!(shown["status"], "expired");
    assert_eq!(shown["position"], Value::Null);
    let expired = app.get("/holds?status=expired", Some(&admin)).expect(200);
    assert_eq!(ids(&expired), vec![id]);
    let ready = app.get("/holds?status=ready", Some(&admin)).expect(200);
    assert_eq!(ids(&ready), Vec::<i64>::new());
    assert_eq!(data_version(&conn), before);

    // The sweep records the lapse and hands the copy to Bob, in one write.
    assert_eq!(sweep(&app), 1);
    let stored: String = conn
        .query_row("SELECT status FROM holds WHERE id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "expired");
    assert_eq!(
        app.get("/holds", Some(&bob)).expect(200).result()[0]["status"],
        "ready"
    );
    assert_eq!(sweep(&app), 0, "nothing left to settle");
}

#[test]
fn a_member_holds_at_most_ten_books_at_once() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let books: Vec<i64> = (0..11).map(|_| add_book(&app, 1)).collect();
    let mut placed = Vec::new();
    for &book in &books[..10] {
        placed.push(held(&app, &ann, book)["id"].as_i64().unwrap());
    }
    let reply = hold(&app, &ann, books[10]).expect_field_error(409, "user_id");
    let problem = reply.body["errors"]["user_id"].as_str().unwrap();
    assert!(problem.contains("10 open holds"), "{problem}");
    let count: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM holds", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 10);

    // A closed hold frees its place.
    app.delete(&format!("/holds/{}", placed[0]), Some(&ann))
        .expect(200);
    held(&app, &ann, books[10]);
    hold(&app, &ann, books[0]).expect_field_error(409, "user_id");
}

#[test]
fn staff_place_a_hold_for_a_member_and_members_only_for_themselves() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (ann, ann_token) = app.user("ann");
    let (bob, bob_token) = app.user("bob");
    let book = add_book(&app, 1);
    let path = format!("/books/{book}/holds");

    let for_ann = app
        .post(&path, Some(&librarian), json!({ "user_id": ann }))
        .expect(201);
    assert_eq!(for_ann.result()["user_id"], ann);
    assert_eq!(for_ann.result()["status"], "ready");
    assert_eq!(
        ids(&app.get("/holds", Some(&ann_token)).expect(200)),
        vec![for_ann.result()["id"].as_i64().unwrap()]
    );
    // Staff naming the member again: that member already holds it.
    app.post(&path, Some(&librarian), json!({ "user_id": ann }))
        .expect_field_error(409, "book_id");

    // A member may not name someone else, but may name themself, in any encoding.
    app.post(&path, Some(&bob_token), json!({ "user_id": ann }))
        .expect(403);
    let own = app.send(
        Method::Post,
        &path,
        Some(&bob_token),
        Payload::Form(vec![("user_id".into(), bob.to_string())]),
    );
    assert_eq!(own.expect(201).result()["user_id"], bob);

    let other_book = add_book(&app, 1);
    let other = format!("/books/{other_book}/holds");
    app.post(&other, Some(&librarian), json!({ "user_id": 9999 }))
        .expect(404);
    app.post(&other, Some(&librarian), json!({ "user_id": 0 }))
        .expect_field_error(400, "user_id");
    app.post(&other, Some(&librarian), json!({ "user_id": "x" }))
        .expect_field_error(400, "user_id");
    app.post(&other, Some(&librarian), json!({ "for": ann }))
        .expect_field_error(400, "for");
    // No body, an empty object, or null: the caller holds it.
    let mine = app.send(Method::Post, &other, Some(&librarian), Payload::None);
    assert_ne!(mine.expect(201).result()["user_id"], ann);
    let nobody = app.post(&other, Some(&ann_token), json!({ "user_id": null }));
    assert_eq!(nobody.expect(201).result()["user_id"], ann);
}
