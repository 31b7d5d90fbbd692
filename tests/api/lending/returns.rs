//! Returning and renewing, overdue loans, and users who still have books out.

use super::{add_book, borrow, borrowed, ids, out_count, seconds, DAY};
use crate::common::{Payload, TestApp};
use rocket::http::Method;
use serde_json::json;

#[test]
fn returning_closes_the_loan_once() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let book = add_book(&app, 1);
    let loan = borrowed(&app, &ann, book);
    let path = format!("/loans/{loan}/return");

    app.post(&path, Some(&bob), json!({})).expect(403);
    assert_eq!(out_count(&app, book), 1);

    let reply = app.post(&path, Some(&ann), json!({})).expect(200);
    assert_eq!(reply.body["message"], "RETURN BOOK SUCCESS");
    assert_eq!(reply.result()["status"], "returned");
    assert!(reply.result()["returned_at"].is_string());
    assert_eq!(out_count(&app, book), 0);

    app.post(&path, Some(&ann), json!({}))
        .expect_field_error(409, "returned_at");
    app.post("/loans/9999/return", Some(&ann), json!({}))
        .expect(404);

    // Staff take back anyone's copy.
    let bobs = borrowed(&app, &bob, book);
    let reply = app.post(
        &format!("/loans/{bobs}/return"),
        Some(&librarian),
        json!({}),
    );
    assert_eq!(reply.expect(200).result()["status"], "returned");
}

#[test]
fn renewing_moves_the_due_date_until_the_renewals_are_used_up() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let loan = borrow(&app, &ann, add_book(&app, 1)).expect(201);
    let id = loan.result()["id"].as_i64().unwrap();
    let first_due = seconds(&loan.result()["due_at"]);
    let path = format!("/loans/{id}/renew");

    app.post(&path, Some(&bob), json!({})).expect(403);

    let once = app.post(&path, Some(&ann), json!({})).expect(200);
    assert_eq!(once.body["message"], "RENEW LOAN SUCCESS");
    assert_eq!(once.result()["renewals"], 1);
    assert_eq!(seconds(&once.result()["due_at"]), first_due + 14 * DAY);
    let twice = app.post(&path, Some(&ann), json!({})).expect(200);
    assert_eq!(twice.result()["renewals"], 2);
    assert_eq!(seconds(&twice.result()["due_at"]), first_due + 28 * DAY);

    app.post(&path, Some(&ann), json!({}))
        .expect_field_error(409, "renewals");
    let stored: i64 = app
        .sql()
        .query_row("SELECT renewals FROM loans WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored, 2);
    app.post("/loans/9999/renew", Some(&ann), json!({}))
        .expect(404);
}

#[test]
fn a_loan_cannot_be_renewed_while_others_wait_or_after_return() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let (_, bob) = app.user("bob");
    let book = add_book(&app, 1);
    let loan = borrowed(&app, &ann, book);
    app.post(&format!("/books/{book}/holds"), Some(&bob), json!({}))
        .expect(201);

    app.post(&format!("/loans/{loan}/renew"), Some(&ann), json!({}))
        .expect_field_error(409, "book_id");

    app.post(&format!("/loans/{loan}/return"), Some(&ann), json!({}))
        .expect(200);
    app.post(&format!("/loans/{loan}/renew"), Some(&ann), json!({}))
        .expect_field_error(409, "returned_at");
}

#[test]
fn a_loan_past_its_due_date_is_overdue() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("lib", &admin);
    let (_, ann) = app.user("ann");
    let late = borrowed(&app, &ann, add_book(&app, 1));
    let on_time = borrowed(&app, &ann, add_book(&app, 1));
    app.sql()
        .execute(
            "UPDATE loans SET due_at = due_at - 30 * 86400 WHERE id = ?1",
            [late],
        )
        .unwrap();

    let reply = app.get(&format!("/loans/{late}"), Some(&ann)).expect(200);
    assert_eq!(reply.result()["status"], "overdue");
    let overdue = app.get("/loans?status=overdue", Some(&librarian));
    assert_eq!(ids(&overdue.expect(200)), vec![late]);
    let active = app.get("/loans?status=active", Some(&librarian));
    assert_eq!(ids(&active.expect(200)), vec![on_time]);

    app.post(&format!("/loans/{late}/renew"), Some(&ann), json!({}))
        .expect_field_error(409, "due_at");
    let back = app.post(&format!("/loans/{late}/return"), Some(&ann), json!({}));
    assert_eq!(back.expect(200).result()["status"], "returned");
}

/// Someone with books out can be neither deleted nor deactivated; once they are back,
/// their history keeps the account: a delete deactivates it (status left, no sign-in).
#[test]
fn a_user_with_books_out_cannot_be_deleted() {
    let app = TestApp::new();
    app.admin();
    let (ann, token) = app.user("ann");
    let loan = borrowed(&app, &token, add_book(&app, 1));

    app.delete(&format!("/users/{ann}"), Some(&token))
        .expect_field_error(409, "id");
    app.get("/users/me", Some(&token)).expect(200);

    app.post(&format!("/loans/{loan}/return"), Some(&token), json!({}))
        .expect(200);
    let reply = app
        .delete(&format!("/users/{ann}"), Some(&token))
        .expect(200);
    assert_eq!(reply.body["message"], "DEACTIVATE USER SUCCESS");
    assert_eq!(reply.result()["status"], "left");
    let (status, loans): (String, i64) = app
        .sql()
        .query_row(
            "SELECT status, (SELECT COUNT(*) FROM loans WHERE user_id = ?1)
             FROM users WHERE id = ?1",
            [ann],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), loans), ("left", 1));
    app.post(
        "/users/login",
        None,
        json!({"email": "ann@example.org", "password": crate::common::PASSWORD}),
    )
    .expect(401);
}

#[test]
fn renew_and_return_take_no_fields() {
    let app = TestApp::new();
    app.admin();
    let (_, ann) = app.user("ann");
    let loan = borrow(&app, &ann, add_book(&app, 1)).expect(201);
    let id = loan.result()["id"].as_i64().unwrap();
    let due = seconds(&loan.result()["due_at"]);

    let reply = app
        .post(
            &format!("/loans/{id}/renew"),
            Some(&ann),
            json!({"days": 365}),
        )
        .expect_field_error(400, "days");
    assert_eq!(
        reply.body["errors"]["days"],
        "is not a field of this request"
    );
    let form = app.send(
        Method::Post,
        &format!("/loans/{id}/return"),
        Some(&ann),
        Payload::Form(vec![("when".into(), "yesterday".into())]),
    );
    form.expect_field_error(400, "when");
    let unchanged = app.get(&format!("/loans/{id}"), Some(&ann)).expect(200);
    assert_eq!(unchanged.result()["renewals"], 0);
    assert_eq!(unchanged.result()["status"], "active");
    assert_eq!(seconds(&unchanged.result()["due_at"]), due);

    // Nothing at all, an empty form, `{}`: all fine.
    let renewed = app.send(
        Method::Post,
        &format!("/loans/{id}/renew"),
        Some(&ann),
        Payload::None,
    );
    assert_eq!(renewed.expect(200).result()["renewals"], 1);
    let renewed = app.send(
        Method::Post,
        &format!("/loans/{id}/renew"),
        Some(&ann),
        Payload::Form(vec![]),
    );
    assert_eq!(renewed.expect(200).result()["renewals"], 2);
    app.post(&format!("/loans/{id}/return"), Some(&ann), json!({}))
        .expect(200);
}
