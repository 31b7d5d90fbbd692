//! Loan rules per group: how long and how many, set for a class, the rest on the defaults.

use super::{book, lend, pupil, school};
use serde_json::json;

fn loan_days(app: &crate::common::TestApp, loan: i64) -> i64 {
    app.sql()
        .query_row(
            "SELECT (due_at - borrowed_at) / 86400 FROM loans WHERE id = ?1",
            [loan],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_groups_rules_replace_the_defaults_for_its_readers_only() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let books: Vec<i64> = ["Dune", "Emma", "Kim"]
        .iter()
        .map(|title| book(app, staff, title, 2))
        .collect();
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let ben = pupil(app, staff, "Ben Okafor", "6A");
    let (ana_card, ben_card) = (
        ana["card_number"].as_str().unwrap(),
        ben["card_number"].as_str().unwrap(),
    );

    let rules = app
        .put(
            "/loan-rules/5b",
            Some(&s.admin),
            json!({"loan_days": 7, "max_loans": 1, "max_renewals": 0, "max_holds": 0}),
        )
        .expect(200);
    assert_eq!(rules.result()["max_loans"], 1);
    let listed = app.get("/loan-rules", Some(staff)).expect(200);
    assert_eq!(listed.result()["groups"][0]["group"], "5b");
    assert_eq!(listed.result()["defaults"]["loan_days"], 14);

    let first = lend(app, staff, ana_card, books[0]).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(loan_days(app, first), 7, "5B's loan period");
    let refused = lend(app, staff, ana_card, books[1]).expect(409);
    assert_eq!(refused.body["code"], "loan_limit");
    assert_eq!(refused.body["params"]["limit"], 1);
    let renew = app
        .post(&format!("/loans/{first}/renew"), Some(staff), json!({}))
        .expect(409);
    assert!(
        renew.body["errors"]["renewals"].is_string(),
        "{}",
        renew.body
    );
    app.post(
        &format!("/books/{}/holds", books[2]),
        Some(staff),
        json!({"user_id": ana["id"]}),
    )
    .expect(409);
    let panel = app
        .get(&format!("/patrons/card/{ana_card}"), Some(staff))
        .expect(200);
    assert_eq!(
        panel.result()["rules"],
        json!({"loan_days": 7, "max_loans": 1, "max_renewals": 0, "max_holds": 0})
    );

    // 6A is on the defaults.
    let other = lend(app, staff, ben_card, books[0]).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(loan_days(app, other), 14);
    lend(app, staff, ben_card, books[1]).expect(201);
    app.post(&format!("/loans/{other}/renew"), Some(staff), json!({}))
        .expect(200);

    // Removing the rules puts 5B back on the defaults.
    app.delete("/loan-rules/5B", Some(&s.admin)).expect(200);
    app.delete("/loan-rules/5B", Some(&s.admin)).expect(404);
    lend(app, staff, ana_card, books[1]).expect(201);
}

#[test]
fn loan_rules_are_checked_and_only_admins_set_them() {
    let s = school();
    let app = &s.app;
    app.put(
        "/loan-rules/5B",
        Some(&s.librarian),
        json!({"max_loans": 2}),
    )
    .expect(403);
    let (_, member) = app.user("mia");
    app.get("/loan-rules", Some(&member)).expect(403);
    app.get("/loan-rules", None).expect(401);
    for (body, field) in [
        (json!({"loan_days": 0}), "loan_days"),
        (json!({"loan_days": 366}), "loan_days"),
        (json!({"max_loans": -1}), "max_loans"),
        (json!({"max_renewals": 101}), "max_renewals"),
        (json!({"max_holds": 1001}), "max_holds"),
    ] {
        app.put("/loan-rules/5B", Some(&s.admin), body)
            .expect_field_error(400, field);
    }
    app.put(
        "/loan-rules/5B",
        Some(&s.admin),
        json!({"max_loans": "two"}),
    )
    .expect(400);
    app.put("/loan-rules/5B", Some(&s.admin), json!({"color": "red"}))
        .expect(400);
    let long = "x".repeat(51);
    app.put(&format!("/loan-rules/{long}"), Some(&s.admin), json!({}))
        .expect_field_error(400, "group");
    // Every rule left out: the group follows the defaults, but is listed.
    let empty = app
        .put("/loan-rules/5B", Some(&s.admin), json!({}))
        .expect(200);
    assert!(empty.result()["loan_days"].is_null());
}
