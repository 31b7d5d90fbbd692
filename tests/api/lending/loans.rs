//! Borrowing: who may lend to whom, the limits, the lists, and the race for the last copy.

use super::{add_book, borrow, borrowed, ids, out_count, seconds, DAY};
use crate::common::{Payload, TestApp};
use rocket::http::Method;
use serde_json::{json, Value};

#[test]
fn a_member_borrows_and_reads_the_loan_back() {
    let app = TestApp::new();
    app.admin();
    let (ann, token) = app.user("ann");
    let book = add_book(&app, 1);

    let reply = borrow(&app, &token, book).expect(201);
    assert_eq!(reply.body["message"], "BORROW BOOK SUCCESS");
    let loan = reply.result().clone();
    assert_eq!(loan["book_id"], book);
    assert_eq!(loan["user_id"], ann);
    assert_eq!(loan["status"], "active");
    assert_eq!(loan["renewals"], 0);
    assert_eq!(loan["returned_at"], Value::Null);
    assert_eq!(
        seconds(&loan["due_at"]) - seconds(&loan["borrowed_at"]),
        14 * DAY
    );
    assert_eq!(out_count(&app, book), 1);

    let id = loan["id"].as_i64().unwrap();
    let again = app.get(&format!("/loans/{id}"), Some(&token)).expect(200);
    assert_eq!(again.result(), &loan);
}

#[test]
fn the_book_id_must_be_a_known_positive_whole_number() {
    let app = TestApp::new();
    app.admin();
    let (_, token) = app.user("ann");
    for body in [
        json!({}),
        json!({"book_id": "abc"}),
        json!({"book_id": -3}),
        json!({"book_id": 0}),
        json!({"book_id": 1.5}),
        json!({"book_id": true}),
        json!({"book_id": ""}),
    ] {
        app.post("/loans", Some(&token), body.clone())
            .expect_field_error(400, "book_id");
    }
    let reply = app.send(
        Method::Post,
        "/loans",
        Some(&token),
        Payload::Raw(rocket::http::ContentType::JSON, b"{\"book_id\": ".to_vec()),
    );
    reply.expect_field_error(400, "body");
    borrow(&app, &token, 9999).expect(404);
    assert_eq!(
        app.sql()
            .query_row("SELECT COUNT(*) FROM loans", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        0
    );
}

#[test]
fn a_form_body_with_the_id_as_text_works() {
    let app = TestApp::new();
    app.admin();
    let (_, token) = app.user("ann");
    let book = add_book(&app, 1);
    let reply = app.send(
        Method::Post,
        "/loans",
        Some(&token),
        Payload::Form(vec![("book_id".into(), book.to_string())]),
    );
    assert_eq!(reply.expect(201).result()["book_id"], book);
}

#[test]
fn lending_needs_a_token() {
    let app = TestApp::new();
    let book = add_book(&app, 1);
    app.post("/loans", None, json!({ "book_id": book }))
        .expect(401);
    app.get("/loans", None).expect(401);
    app.get("/loans/1", None).expect(401);
    app.post("/loans/1/return", None, json!({})).expect(401);
    app.post("/loans/1/renew", None, json!({})).expect(401);
    assert_eq!(out_count(&app, book), 0);
}

#[test]
fn only_staff_lend_to_someone_else() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (ann, ann_token) = app.user("ann");
    let (bob, _) = app.user("bob");
    let book = add_book(&app, 3);

    app.post(
        "/loans",
        Some(&ann_token),
        json!({"book_id": book, "user_id": bob}),
    )
    .expect(403);
    assert_eq!(out_count(&app, book), 0);

    let own = app.post(
        "/loans",
        Some(&ann_token),
        json!({"book_id": book, "user_id": ann}),
    );
    assert_eq!(own.expect(201).result()["user_id"], ann);

    let for_bob = app.post(
        "/loans",
        Some(&librarian),
        json!({"book_id": book, "user_id": bob}),
    );
    assert_eq!(for_bob.expect(201).result()["user_id"], bob);

    app.post(
        "/loans",
        Some(&librarian),
        json!({"book_id": book, "user_id": 9999}),
    )
    .expect(404);
    app.post(
        "/loans",
        Some(&librarian),
        json!({"book_id": book, "user_id": "bob"}),
    )
    .expect_field_error(400, "user_id");
    assert_eq!(out_count(&app, book), 2);
}

#[test]
fn no_free_copy_and_a_second_copy_of_the_same_book_are_conflicts() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let single = add_book(&app, 1);
    let none = add_book(&app, 0);
    let pair = add_book(&app, 2);

    borrowed(&app, &ann, single);
    borrow(&app, &bob, single).expect_field_error(409, "book_id");
    borrow(&app, &bob, none).expect_field_error(409, "book_id");

    borrowed(&app, &ann, pair);
    borrow(&app, &ann, pair).expect_field_error(409, "book_id");
    assert_eq!(out_count(&app, pair), 1);
}

#[test]
fn a_member_has_at_most_five_books_out() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let books: Vec<i64> = (0..6).map(|_| add_book(&app, 1)).collect();
    let loans: Vec<i64> = books[..5]
        .iter()
        .map(|&b| borrowed(&app, &ann, b))
        .collect();

    borrow(&app, &ann, books[5]).expect_field_error(409, "user_id");
    assert_eq!(out_count(&app, books[5]), 0);

    app.post(
        &format!("/loans/{}/return", loans[0]),
        Some(&ann),
        json!({}),
    )
    .expect(200);
    borrow(&app, &ann, books[5]).expect(201);
}

#[test]
fn the_limit_follows_the_configuration() {
    let app = TestApp::with(|mut config| {
        config.max_active_loans = 1;
        config.loan_days = 7;
        config
    });
    app.admin();
    let (_, ann) = app.user("ann");
    let first = add_book(&app, 1);
    let second = add_book(&app, 1);
    let loan = borrow(&app, &ann, first).expect(201);
    assert_eq!(
        seconds(&loan.result()["due_at"]) - seconds(&loan.result()["borrowed_at"]),
        7 * DAY
    );
    borrow(&app, &ann, second).expect_field_error(409, "user_id");
}

#[test]
fn members_list_their_own_loans_and_staff_list_all() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (ann, ann_token) = app.user("ann");
    let (bob, bob_token) = app.user("bob");
    let first = add_book(&app, 2);
    let second = add_book(&app, 2);
    let ann_first = borrowed(&app, &ann_token, first);
    let ann_second = borrowed(&app, &ann_token, second);
    let bob_first = borrowed(&app, &bob_token, first);
    app.post(
        &format!("/loans/{ann_second}/return"),
        Some(&ann_token),
        json!({}),
    )
    .expect(200);

    let mine = app.get("/loans", Some(&bob_token)).expect(200);
    assert_eq!(mine.body["message"], "GET LOANS SUCCESS");
    assert_eq!(ids(&mine), vec![bob_first]);
    assert_eq!(
        mine.body["meta"],
        json!({"page": 1, "per_page": 20, "total": 1})
    );
    let own_filter = app.get(&format!("/loans?user_id={bob}"), Some(&bob_token));
    assert_eq!(ids(&own_filter.expect(200)), vec![bob_first]);
    app.get(&format!("/loans?user_id={ann}"), Some(&bob_token))
        .expect(403);

    let all = app.get("/loans", Some(&librarian)).expect(200);
    assert_eq!(ids(&all), vec![ann_first, ann_second, bob_first]);
    let by_user = app.get(&format!("/loans?user_id={ann}"), Some(&librarian));
    assert_eq!(ids(&by_user.expect(200)), vec![ann_first, ann_second]);
    let by_book = app.get(&format!("/loans?book_id={first}"), Some(&librarian));
    assert_eq!(ids(&by_book.expect(200)), vec![ann_first, bob_first]);
    let returned = app.get("/loans?status=returned", Some(&librarian));
    assert_eq!(ids(&returned.expect(200)), vec![ann_second]);
    let active = app.get(
        &format!("/loans?status=active&user_id={ann}"),
        Some(&librarian),
    );
    assert_eq!(ids(&active.expect(200)), vec![ann_first]);

    let paged = app
        .get("/loans?page=2&per_page=2", Some(&librarian))
        .expect(200);
    assert_eq!(ids(&paged), vec![bob_first]);
    assert_eq!(
        paged.body["meta"],
        json!({"page": 2, "per_page": 2, "total": 3})
    );

    app.get("/loans?status=lost", Some(&librarian))
        .expect_field_error(400, "status");
    app.get("/loans?user_id=ann", Some(&librarian))
        .expect_field_error(400, "user_id");
    app.get("/loans?book_id=-1", Some(&librarian))
        .expect_field_error(400, "book_id");
    app.get("/loans?per_page=0", Some(&librarian))
        .expect_field_error(400, "per_page");
}

#[test]
fn a_loan_is_seen_by_its_borrower_and_staff_only() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let loan = borrowed(&app, &ann, add_book(&app, 1));

    app.get(&format!("/loans/{loan}"), Some(&bob)).expect(403);
    let seen = app.get(&format!("/loans/{loan}"), Some(&librarian));
    assert_eq!(seen.expect(200).result()["id"], loan);
    app.get(&format!("/loans/{loan}"), Some(&admin)).expect(200);
    app.get("/loans/9999", Some(&librarian)).expect(404);
    // As for every other id in a path (/users/abc): not a number is a bad request.
    app.get("/loans/abc", Some(&librarian)).expect(400);
    app.get("/loans/-1", Some(&librarian)).expect(404);
}

mod race {
    use super::*;
    use crate::common::{server, settings_in};
    use rocket::futures::future::join_all;
    use rocket::http::{ContentType, Header, Status};
    use rocket::local::asynchronous::Client;

    /// A second server over the test's own database, driven by the async client so that
    /// requests can be in flight together. The JWT secret lives in the database, so tokens
    /// issued by `app` are good here too.
    async fn async_client(app: &TestApp) -> Client {
        Client::untracked(server(settings_in(app.dir.path())))
            .await
            .expect("client")
    }

    /// One borrower per token asks for the book, all at once; returns each answer.
    async fn race(client: &Client, tokens: &[String], book: i64) -> Vec<(Status, Value)> {
        let body = json!({ "book_id": book }).to_string();
        let requests = tokens.iter().map(|token| {
            client
                .post("/loans")
                .header(ContentType::JSON)
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .body(body.clone())
                .dispatch()
        });
        let mut answers = Vec::new();
        for response in join_all(requests).await {
            let status = response.status();
            let body: Value = response.into_json().await.expect("every answer is JSON");
            answers.push((status, body));
        }
        answers
    }

    /// A lost race is rare in any one round, so several rounds (a book each) are run.
    #[test]
    fn many_borrowers_race_for_the_last_copy_and_one_wins() {
        const RACERS: usize = 32;
        const ROUNDS: usize = 5;
        let app = TestApp::new();
        app.admin();
        let books: Vec<i64> = (0..ROUNDS).map(|_| add_book(&app, 1)).collect();
        let tokens: Vec<String> = (0..RACERS)
            .map(|i| app.user(&format!("racer{i}")).1)
            .collect();

        let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        let rounds = runtime.block_on(async {
            let client = async_client(&app).await;
            let mut rounds = Vec::new();
            for &book in &books {
                rounds.push(race(&client, &tokens, book).await);
            }
            rounds
        });

        for (book, answers) in books.iter().zip(rounds) {
            let codes: Vec<u16> = answers.iter().map(|(status, _)| status.code).collect();
            let winners = codes.iter().filter(|&&code| code == 201).count();
            assert_eq!(winners, 1, "book {book}: {codes:?}");
            for (status, body) in &answers {
                assert!(
                    *status == Status::Created
                        || (*status == Status::Conflict && body["errors"]["book_id"].is_string()),
                    "{status}: {body}"
                );
            }
            assert_eq!(out_count(&app, *book), 1);
        }
    }
}
