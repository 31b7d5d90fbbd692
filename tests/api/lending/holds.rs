//! Holds: queueing for a book, copies passing along the queue, lapsing and cancelling.

mod common;
mod lending;

use common::{Payload, Reply, TestApp};
use lending::{add_book, borrow, borrowed, give_back, ids, seconds, DAY};
use library_server::config::Config;
use library_server::models::now;
use library_server::services::lending::{self as lending_rules, Policy};
use rocket::http::Method;
use serde_json::{json, Value};

fn hold(app: &TestApp, token: &str, book: i64) -> Reply {
    app.post(&format!("/books/{book}/holds"), Some(token), json!({}))
}

fn held(app: &TestApp, token: &str, book: i64) -> Value {
    hold(app, token, book).expect(201).result().clone()
}

/// The hold as its owner sees it in GET /holds (which settles first).
fn current(app: &TestApp, token: &str, id: &Value) -> Value {
    let reply = app.get("/holds", Some(token)).expect(200);
    reply
        .result()
        .as_array()
        .expect("a list")
        .iter()
        .find(|h| &h["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("hold {id} not listed: {}", reply.body))
}

/// What the background sweep does once a minute, done now.
fn sweep(app: &TestApp) -> usize {
    let mut conn = app.sql();
    let tx = conn.transaction().unwrap();
    let policy = Policy::from_config(&Config::default());
    let settled = lending_rules::settle_due(&tx, policy, now()).unwrap();
    tx.commit().unwrap();
    settled
}

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
