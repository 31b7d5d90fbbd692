//! Holds: queueing for a book, copies passing along the queue, cancelling.

use super::{add_book, borrow, borrowed, current, give_back, held, hold, seconds, sweep, DAY};
use crate::common::TestApp;
use library_server::models::now;
use serde_json::{json, Value};

#[test]
fn holds_on_a_lent_book_queue_in_order() {
    let app = TestApp::new();
    app.admin();
    let (ann, ann_token) = app.user("ann");
    let (bob, bob_token) = app.user("bob");
    let (_, cat_token) = app.user("cat");
    let book = add_book(&app, 1);
    borrowed(&app, &cat_token, book);

    let reply = hold(&app, &ann_token, book).expect(201);
    assert_eq!(reply.body["message"], "PLACE HOLD SUCCESS");
    let first = reply.result();
    assert_eq!(first["book_id"], book);
    assert_eq!(first["user_id"], ann);
    assert_eq!(first["status"], "waiting");
    assert_eq!(first["position"], 1);
    assert_eq!(first["ready_until"], Value::Null);
    assert!(first["created_at"].is_string());

    let second = held(&app, &bob_token, book);
    assert_eq!(second["user_id"], bob);
    assert_eq!(second["status"], "waiting");
    assert_eq!(second["position"], 2);

    // Someone outside the queue finds no copy even once one comes back.
    let (_, dan_token) = app.user("dan");
    borrow(&app, &dan_token, book).expect_field_error(409, "book_id");
    // Nor can a waiting holder jump the queue.
    borrow(&app, &bob_token, book).expect_field_error(409, "book_id");
}

#[test]
fn a_hold_on_a_free_copy_is_ready_at_once_and_only_its_holder_borrows_it() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let book = add_book(&app, 1);

    let placed = held(&app, &ann, book);
    assert_eq!(placed["status"], "ready");
    assert_eq!(placed["position"], 0);
    assert_eq!(
        seconds(&placed["ready_until"]) - seconds(&placed["created_at"]),
        3 * DAY
    );

    borrow(&app, &bob, book).expect_field_error(409, "book_id");
    borrow(&app, &ann, book).expect(201);
    let done = current(&app, &ann, &placed["id"]);
    assert_eq!(done["status"], "fulfilled");
    assert_eq!(done["position"], Value::Null);
}

#[test]
fn a_return_readies_the_first_hold_and_a_lapsed_one_passes_the_copy_on() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let (_, cat) = app.user("cat");
    let book = add_book(&app, 1);
    let loan = borrowed(&app, &ann, book);
    let bobs = held(&app, &bob, book);
    let cats = held(&app, &cat, book);

    give_back(&app, &ann, loan);
    let bobs_now = current(&app, &bob, &bobs["id"]);
    assert_eq!(bobs_now["status"], "ready");
    assert_eq!(bobs_now["position"], 0);
    assert!(bobs_now["ready_until"].is_string());
    let cats_now = current(&app, &cat, &cats["id"]);
    assert_eq!(cats_now["status"], "waiting");
    assert_eq!(cats_now["position"], 1);
    borrow(&app, &cat, book).expect_field_error(409, "book_id");

    // Bob's pickup time runs out.
    app.sql()
        .execute(
            "UPDATE holds SET ready_until = ?2 WHERE id = ?1",
            [bobs["id"].as_i64().unwrap(), now() - 60],
        )
        .unwrap();
    let all = app.get(&format!("/holds?book_id={book}"), Some(&admin));
    let all = all.expect(200);
    let statuses: Vec<&Value> = all
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["status"])
        .collect();
    assert_eq!(statuses, vec!["expired", "waiting"]);
    assert_eq!(current(&app, &bob, &bobs["id"])["position"], Value::Null);
    // The copy passes on with the next write on the book, or the background sweep's.
    sweep(&app);
    let all = app.get(&format!("/holds?book_id={book}"), Some(&admin));
    let all = all.expect(200);
    let statuses: Vec<&Value> = all
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["status"])
        .collect();
    assert_eq!(statuses, vec!["expired", "ready"]);
    borrow(&app, &bob, book).expect_field_error(409, "book_id");

    borrow(&app, &cat, book).expect(201);
    assert_eq!(current(&app, &cat, &cats["id"])["status"], "fulfilled");
}

#[test]
fn one_open_hold_per_book_and_none_on_a_book_you_have() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let book = add_book(&app, 1);
    borrowed(&app, &ann, book);

    hold(&app, &ann, book).expect_field_error(409, "book_id");
    held(&app, &bob, book);
    hold(&app, &bob, book).expect_field_error(409, "book_id");
    let open: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM holds", [], |r| r.get(0))
        .unwrap();
    assert_eq!(open, 1);

    hold(&app, &bob, 9999).expect(404);
    hold(&app, &bob, -1).expect(404);
    app.post("/books/abc/holds", Some(&bob), json!({}))
        .expect(400);
    app.post(&format!("/books/{book}/holds"), None, json!({}))
        .expect(401);
    app.get("/holds", None).expect(401);
    app.delete("/holds/1", None).expect(401);
}

#[test]
fn cancelling_closes_a_hold_once_and_only_for_its_holder_or_staff() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let (_, cat) = app.user("cat");
    let book = add_book(&app, 1);
    borrowed(&app, &cat, book);
    let anns = held(&app, &ann, book);
    let bobs = held(&app, &bob, book);
    let path = format!("/holds/{}", anns["id"]);

    app.delete(&path, Some(&bob)).expect(403);
    let reply = app.delete(&path, Some(&ann)).expect(200);
    assert_eq!(reply.body["message"], "CANCEL HOLD SUCCESS");
    assert_eq!(reply.result()["status"], "cancelled");
    assert_eq!(reply.result()["position"], Value::Null);
    app.delete(&path, Some(&ann))
        .expect_field_error(409, "status");
    // Bob moves up.
    assert_eq!(current(&app, &bob, &bobs["id"])["position"], 1);

    let by_staff = app.delete(&format!("/holds/{}", bobs["id"]), Some(&librarian));
    assert_eq!(by_staff.expect(200).result()["status"], "cancelled");
    app.delete("/holds/9999", Some(&ann)).expect(404);
    app.delete("/holds/abc", Some(&ann)).expect(400);
}

#[test]
fn cancelling_a_ready_hold_passes_the_copy_to_the_next_in_line() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let (_, cat) = app.user("cat");
    let book = add_book(&app, 1);
    let loan = borrowed(&app, &cat, book);
    let anns = held(&app, &ann, book);
    let bobs = held(&app, &bob, book);
    give_back(&app, &cat, loan);
    assert_eq!(current(&app, &ann, &anns["id"])["status"], "ready");

    app.delete(&format!("/holds/{}", anns["id"]), Some(&ann))
        .expect(200);
    let bobs_now = current(&app, &bob, &bobs["id"]);
    assert_eq!(bobs_now["status"], "ready");
    assert_eq!(bobs_now["position"], 0);
    borrow(&app, &ann, book).expect_field_error(409, "book_id");
    borrow(&app, &bob, book).expect(201);
}
