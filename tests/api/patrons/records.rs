//! Patron records: pupils without e-mail, cards and PINs, block / deactivate / erase,
//! self-registration, privacy and anonymised history.

use super::{book, lend, pupil, school};
use crate::common::PASSWORD;
use serde_json::json;

fn id_of(patron: &serde_json::Value) -> i64 {
    patron["id"].as_i64().unwrap()
}

fn card_of(patron: &serde_json::Value) -> String {
    patron["card_number"].as_str().unwrap().to_string()
}

#[test]
fn staff_add_a_pupil_without_e_mail_who_signs_in_with_card_and_pin() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let ana = pupil(app, staff, "Ana Lima", "5B");
    assert_eq!(ana["username"], "ana.lima");
    assert!(ana["email"].is_null());
    assert_eq!(ana["status"], "active");
    assert_eq!(ana["can_sign_in"], false);
    assert_eq!(ana["display_name"], "Ana Lima (5B)");
    let card = card_of(&ana);
    assert!(card.starts_with('P'), "{card}");
    // A namesake gets a username of their own.
    let twin = pupil(app, staff, "Ana Lima", "6A");
    assert_eq!(twin["username"], "ana.lima2");
    assert_ne!(card_of(&twin), card);

    // No secret yet: no way in, whatever is typed.
    app.post(
        "/users/login",
        None,
        json!({"card_number": card, "pin": "1234"}),
    )
    .expect(401);

    let path = format!("/patrons/{}", id_of(&ana));
    let set = app
        .patch(&path, Some(staff), json!({"pin": "4321"}))
        .expect(200);
    assert_eq!(set.result()["can_sign_in"], true);
    let login = app
        .post(
            "/users/login",
            None,
            json!({"card_number": card.to_lowercase(), "pin": "4321"}),
        )
        .expect(200);
    assert_eq!(login.result()["username"], "ana.lima");
    assert!(login.result()["email"].is_null(), "{}", login.body);
    // The card also goes where a client of the first API puts the e-mail.
    app.post(
        "/users/login",
        None,
        json!({"email": card, "password": "4321"}),
    )
    .expect(200);
    app.post(
        "/users/login",
        None,
        json!({"card_number": card, "pin": "9999"}),
    )
    .expect(401);

    for bad in ["12", "12a4", "1234567890123"] {
        app.patch(&path, Some(staff), json!({"pin": bad}))
            .expect_field_error(400, "pin");
    }
    app.patch(
        &path,
        Some(staff),
        json!({"pin": "1234", "password": "long-enough"}),
    )
    .expect_field_error(400, "pin");
    app.patch(&path, Some(staff), json!({"password": "short"}))
        .expect_field_error(400, "password");
    // Taking the PIN away closes the door again.
    let off = app
        .patch(&path, Some(staff), json!({"pin": null}))
        .expect(200);
    assert_eq!(off.result()["can_sign_in"], false);
    app.post(
        "/users/login",
        None,
        json!({"card_number": card, "pin": "4321"}),
    )
    .expect(401);
}

#[test]
fn adding_a_patron_checks_every_field() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let full = app
        .post(
            "/patrons",
            Some(staff),
            json!({
                "full_name": "Ben Okafor", "username": "benny", "group": "6A",
                "card_number": "S-1001", "email": "ben@example.org", "phone": "+44 20 7946 0000",
                "note": "collects for his sister", "card_expires_on": "2099-07-31",
                "password": "ben-password"
            }),
        )
        .expect(201);
    let ben = full.result();
    assert_eq!(full.body["message"], "CREATE PATRON SUCCESS");
    for (field, value) in [
        ("username", "benny"),
        ("card_number", "S-1001"),
        ("email", "ben@example.org"),
        ("phone", "+44 20 7946 0000"),
        ("note", "collects for his sister"),
        ("card_expires_on", "2099-07-31"),
    ] {
        assert_eq!(ben[field], value, "{field}");
    }
    app.post(
        "/users/login",
        None,
        json!({"email": "benny", "password": "ben-password"}),
    )
    .expect(200);

    for (body, field, status) in [
        (json!({}), "full_name", 400),
        (json!({"full_name": "  "}), "full_name", 400),
        (json!({"full_name": "X", "email": "nope"}), "email", 400),
        (json!({"full_name": "X", "phone": "call me"}), "phone", 400),
        (
            json!({"full_name": "X", "card_expires_on": "2025-02-30"}),
            "card_expires_on",
            400,
        ),
        (
            json!({"full_name": "X", "card_number": "a b"}),
            "card_number",
            400,
        ),
        (json!({"full_name": "X", "username": "a"}), "username", 400),
        (
            json!({"full_name": "X", "status": "pending"}),
            "status",
            400,
        ),
        (
            json!({"full_name": "X", "status": "blocked"}),
            "blocked_reason",
            400,
        ),
        (
            json!({"full_name": "X", "card_number": "s-1001"}),
            "card_number",
            409,
        ),
        (
            json!({"full_name": "X", "username": "BENNY"}),
            "username",
            409,
        ),
        (
            json!({"full_name": "X", "email": "BEN@example.org"}),
            "email",
            409,
        ),
    ] {
        app.post("/patrons", Some(staff), body.clone())
            .expect_field_error(status, field);
    }
    app.post(
        "/patrons",
        Some(staff),
        json!({"full_name": "X", "shoe": 9}),
    )
    .expect(400);
    let (_, member) = app.user("mia");
    app.post("/patrons", Some(&member), json!({"full_name": "X"}))
        .expect(403);
    app.post("/patrons", None, json!({"full_name": "X"}))
        .expect(401);
    app.get("/patrons", Some(&member)).expect(403);
    let total: i64 = app
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM users WHERE full_name = 'X'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(total, 0, "no refused patron was half-made");
}

#[test]
fn a_blocked_patron_cannot_borrow_or_hold_and_the_desk_says_why() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let (id, card) = (id_of(&ana), card_of(&ana));
    let dune = book(app, staff, "Dune", 2);
    let path = format!("/patrons/{id}");

    app.patch(&path, Some(staff), json!({"status": "blocked"}))
        .expect_field_error(400, "blocked_reason");
    let blocked = app
        .patch(
            &path,
            Some(staff),
            json!({"status": "blocked", "blocked_reason": "two books lost"}),
        )
        .expect(200);
    assert_eq!(blocked.result()["status"], "blocked");
    assert_eq!(blocked.result()["blocked_reason"], "two books lost");

    let refused = lend(app, staff, &card, dune).expect(409);
    assert_eq!(refused.body["code"], "patron_blocked");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("Ana Lima (5B)") && detail.contains("two books lost"),
        "{detail}"
    );
    let hold = app
        .post(
            &format!("/books/{dune}/holds"),
            Some(staff),
            json!({"user_id": id}),
        )
        .expect(409);
    assert_eq!(hold.body["code"], "patron_blocked");
    let panel = app
        .get(&format!("/patrons/card/{card}"), Some(staff))
        .expect(200);
    assert_eq!(panel.result()["blocked"]["code"], "patron_blocked");
    assert!(panel.result()["blocked"]["detail"]
        .as_str()
        .unwrap()
        .contains("two books lost"));

    let unblocked = app
        .patch(&path, Some(staff), json!({"status": "active"}))
        .expect(200);
    assert!(unblocked.result()["blocked_reason"].is_null());
    lend(app, staff, &card, dune).expect(201);
    let panel = app
        .get(&format!("/patrons/card/{card}"), Some(staff))
        .expect(200);
    assert!(panel.result()["blocked"].is_null());
}

#[test]
fn an_expired_card_and_a_patron_who_left_cannot_borrow() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let dune = book(app, staff, "Dune", 3);
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let path = format!("/patrons/{}", id_of(&ana));
    app.patch(&path, Some(staff), json!({"card_expires_on": "2020-06-30"}))
        .expect(200);
    let refused = lend(app, staff, &card_of(&ana), dune).expect(409);
    assert_eq!(refused.body["code"], "card_expired");
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("2020-06-30"));
    app.patch(&path, Some(staff), json!({"card_expires_on": "2099-06-30"}))
        .expect(200);
    lend(app, staff, &card_of(&ana), dune).expect(201);

    let ben = pupil(app, staff, "Ben Okafor", "6A");
    app.patch(
        &format!("/patrons/{}", id_of(&ben)),
        Some(staff),
        json!({"pin": "2468"}),
    )
    .expect(200);
    let token = app
        .post(
            "/users/login",
            None,
            json!({"card_number": card_of(&ben), "pin": "2468"}),
        )
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/users/me", Some(&token)).expect(200);
    let left = app
        .patch(
            &format!("/patrons/{}", id_of(&ben)),
            Some(staff),
            json!({"status": "left"}),
        )
        .expect(200);
    app.get("/users/me", Some(&token)).expect(401);
    assert_eq!(left.result()["can_sign_in"], false);
    assert_eq!(
        lend(app, staff, &card_of(&ben), dune).expect(409).body["code"],
        "patron_left"
    );
    app.post(
        "/users/login",
        None,
        json!({"card_number": card_of(&ben), "pin": "2468"}),
    )
    .expect(401);
}

#[test]
fn registration_can_be_open_closed_or_wait_for_approval() {
    let s = school();
    let app = &s.app;
    // Open by default: today's behaviour.
    app.register("first");
    app.patch(
        "/settings",
        Some(&s.librarian),
        json!({"registration": "closed"}),
    )
    .expect(403);
    app.patch("/settings", Some(&s.admin), json!({"registration": "shut"}))
        .expect(400);
    let closed = app
        .patch(
            "/settings",
            Some(&s.admin),
            json!({"registration": "closed"}),
        )
        .expect(200);
    assert_eq!(closed.result()["registration"], "closed");
    let refused = app
        .post(
            "/users/register",
            None,
            json!({"email": "kid@example.org", "username": "kid", "password": PASSWORD}),
        )
        .expect(403);
    assert_eq!(refused.body["code"], "registration_closed");

    app.patch(
        "/settings",
        Some(&s.admin),
        json!({"registration": "approval"}),
    )
    .expect(200);
    let waiting = app
        .post(
            "/users/register",
            None,
            json!({"email": "kid@example.org", "username": "kid", "password": PASSWORD}),
        )
        .expect(201);
    assert_eq!(waiting.result()["status"], "pending");
    let kid = waiting.result()["id"].as_i64().unwrap();
    let login = json!({"email": "kid@example.org", "password": PASSWORD});
    let early = app.post("/users/login", None, login.clone()).expect(403);
    assert_eq!(early.body["code"], "awaiting_approval");
    let wrong = json!({"email": "kid@example.org", "password": "not-the-password"});
    app.post("/users/login", None, wrong).expect(401);
    let listed = app
        .get("/patrons?status=pending", Some(&s.librarian))
        .expect(200);
    assert_eq!(listed.body["meta"]["total"], 1);
    app.patch(
        &format!("/patrons/{kid}"),
        Some(&s.librarian),
        json!({"status": "active"}),
    )
    .expect(200);
    app.post("/users/login", None, login).expect(200);
}

#[test]
fn members_see_only_themselves_unless_the_library_shows_usernames() {
    let s = school();
    let app = &s.app;
    let (ann, ann_token) = app.user("ann");
    let (bob, _) = app.user("bob");
    app.patch(
        &format!("/patrons/{ann}"),
        Some(&s.librarian),
        json!({"full_name": "Ann Aho", "group": "5B", "phone": "123"}),
    )
    .expect(200);
    app.patch(
        &format!("/patrons/{bob}"),
        Some(&s.librarian),
        json!({"full_name": "Bob Berg", "group": "5B", "phone": "456"}),
    )
    .expect(200);
    let me = app.get("/users/me", Some(&ann_token)).expect(200);
    assert_eq!(me.result()["full_name"], "Ann Aho");
    assert_eq!(me.result()["group"], "5B");
    assert_eq!(me.result()["phone"], "123");
    assert_eq!(me.result()["status"], "active");
    app.get("/users", Some(&ann_token)).expect(403);
    app.get(&format!("/users/{bob}"), Some(&ann_token))
        .expect(403);
    app.get("/users/username/bob", Some(&ann_token)).expect(403);
    app.get(&format!("/patrons/{bob}"), Some(&ann_token))
        .expect(403);
    app.get("/patrons?q=bob", Some(&ann_token)).expect(403);

    app.patch(
        "/settings",
        Some(&s.admin),
        json!({"members_see_names": true}),
    )
    .expect(200);
    let seen = app
        .get(&format!("/users/{bob}"), Some(&ann_token))
        .expect(200);
    let bob_view = seen.result();
    assert_eq!(bob_view["username"], "bob");
    assert!(bob_view["image_file"].is_string());
    for private in [
        "email",
        "full_name",
        "group",
        "card_number",
        "phone",
        "status",
    ] {
        assert!(bob_view.get(private).is_none(), "{private}: {bob_view}");
    }
    let staff_view = app
        .get(&format!("/users/{bob}"), Some(&s.librarian))
        .expect(200);
    assert_eq!(staff_view.result()["phone"], "456");
}

#[test]
fn leaving_keeps_the_history_and_erasing_keeps_only_the_counts() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let dune = book(app, staff, "Dune", 1);
    let emma = book(app, staff, "Emma", 1);
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let (id, card) = (id_of(&ana), card_of(&ana));
    app.patch(
        &format!("/patrons/{id}"),
        Some(staff),
        json!({"pin": "1357"}),
    )
    .expect(200);
    let first = lend(app, staff, &card, dune).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    app.post(&format!("/loans/{first}/return"), Some(staff), json!({}))
        .expect(200);
    lend(app, staff, &card, emma).expect(201);

    // Erasing is for admins, and not while a book is out.
    app.post(&format!("/patrons/{id}/erase"), Some(staff), json!({}))
        .expect(403);
    let refused = app
        .post(&format!("/patrons/{id}/erase"), Some(&s.admin), json!({}))
        .expect(409);
    assert_eq!(refused.body["code"], "loans_out");
    app.delete(&format!("/users/{id}"), Some(&s.admin))
        .expect_field_error(409, "id");
    app.post("/returns", Some(staff), json!({"barcode": "000002"}))
        .expect(200);

    // With history, a delete deactivates.
    let gone = app
        .delete(&format!("/users/{id}"), Some(&s.admin))
        .expect(200);
    assert_eq!(gone.body["message"], "DEACTIVATE USER SUCCESS");
    let erased = app
        .post(&format!("/patrons/{id}/erase"), Some(&s.admin), json!({}))
        .expect(200);
    let view = erased.result();
    assert_eq!(view["username"], format!("erased-{id}"));
    assert_eq!(view["erased"], true);
    assert_eq!(view["status"], "left");
    for cleared in [
        "full_name",
        "card_number",
        "group",
        "email",
        "phone",
        "note",
    ] {
        assert!(view[cleared].is_null(), "{cleared}: {view}");
    }
    let (loans, linked): (i64, i64) = app
        .sql()
        .query_row("SELECT COUNT(*), COUNT(user_id) FROM loans", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (loans, linked),
        (2, 0),
        "both loans counted, neither linked"
    );
    app.post(
        "/users/login",
        None,
        json!({"card_number": card, "pin": "1357"}),
    )
    .expect(401);
    app.get(&format!("/patrons/card/{card}"), Some(staff))
        .expect(404);
    app.patch(
        &format!("/patrons/{id}"),
        Some(staff),
        json!({"group": "6A"}),
    )
    .expect_field_error(409, "id");

    // Without history, a delete deletes.
    let ben = pupil(app, staff, "Ben Okafor", "6A");
    let deleted = app
        .delete(&format!("/users/{}", id_of(&ben)), Some(&s.admin))
        .expect(200);
    assert_eq!(deleted.body["message"], "DELETE USER SUCCESS");
    app.get(&format!("/patrons/{}", id_of(&ben)), Some(staff))
        .expect(404);
}

#[test]
fn loan_history_is_anonymised_after_the_set_days_and_counts_survive() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let dune = book(app, staff, "Dune", 1);
    let emma = book(app, staff, "Emma", 1);
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let card = card_of(&ana);
    let old = lend(app, staff, &card, dune).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    app.post(&format!("/loans/{old}/return"), Some(staff), json!({}))
        .expect(200);
    let open = lend(app, staff, &card, emma).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    // Returned 40 days ago.
    app.sql()
        .execute(
            "UPDATE loans SET borrowed_at = unixepoch() - 50 * 86400,
                              returned_at = unixepoch() - 40 * 86400 WHERE id = ?1",
            [old],
        )
        .unwrap();
    for bad in [json!(-1), json!(10001), json!("soon")] {
        app.patch(
            "/settings",
            Some(&s.admin),
            json!({"loan_history_days": bad}),
        )
        .expect(400);
    }
    app.patch(
        "/settings",
        Some(&s.admin),
        json!({"loan_history_days": 60}),
    )
    .expect(200);
    let linked = |id: i64| -> bool {
        app.sql()
            .query_row(
                "SELECT user_id IS NOT NULL FROM loans WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(linked(old), "40 days is within 60");
    let settings = app
        .patch(
            "/settings",
            Some(&s.admin),
            json!({"loan_history_days": 30}),
        )
        .expect(200);
    assert_eq!(settings.result()["loan_history_days"], 30);
    assert!(!linked(old), "returned 40 days ago: anonymised");
    assert!(linked(open), "a loan still out keeps its reader");
    let loan = app.get(&format!("/loans/{old}"), Some(staff)).expect(200);
    assert!(loan.result()["user_id"].is_null());
    let total = app.get("/loans?per_page=100", Some(staff)).expect(200);
    assert_eq!(total.body["meta"]["total"], 2, "counts survive");
    let group: String = app
        .sql()
        .query_row("SELECT group_name FROM loans WHERE id = ?1", [old], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(group, "5B", "statistics by group survive too");
    app.patch(
        "/settings",
        Some(&s.admin),
        json!({"loan_history_days": null}),
    )
    .expect(200);
}

#[test]
fn a_librarian_manages_members_but_not_other_staff() {
    let s = school();
    let app = &s.app;
    app.patch(
        "/patrons/1",
        Some(&s.librarian),
        json!({"note": "the head"}),
    )
    .expect(403);
    app.patch(
        &format!("/patrons/{}", s.librarian_id),
        Some(&s.librarian),
        json!({"phone": "555"}),
    )
    .expect(200);
    app.patch(
        &format!("/patrons/{}", s.librarian_id),
        Some(&s.admin),
        json!({"note": "part-time"}),
    )
    .expect(200);
    app.patch("/patrons/9999", Some(&s.librarian), json!({"note": "x"}))
        .expect(404);
}

#[test]
fn a_member_learns_nothing_about_other_peoples_cards() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let (_, member) = app.user("mia");
    // A card typed where a copy's barcode goes: staff hear whose card it is…
    let told = app
        .post(
            "/loans",
            Some(staff),
            json!({"barcode": card_of(&ana), "user_id": id_of(&ana)}),
        )
        .expect(422);
    assert!(told.body["detail"].as_str().unwrap().contains("Ana Lima"));
    // …a member only that no copy has that code.
    let hidden = app
        .post("/loans", Some(&member), json!({"barcode": card_of(&ana)}))
        .expect(404);
    assert_eq!(hidden.body["code"], "unknown_barcode");
    assert!(!hidden.body.to_string().contains("Ana"), "{}", hidden.body);
    // Someone else's card, real or not, is the same refusal.
    let dune = book(app, staff, "Dune", 1);
    for card in [card_of(&ana), "P999999".to_string()] {
        app.post(
            "/loans",
            Some(&member),
            json!({"card_number": card, "book_id": dune}),
        )
        .expect(403);
    }
}

#[test]
fn a_blocked_patron_cannot_renew_and_one_who_leaves_gives_up_their_holds() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let dune = book(app, staff, "Dune", 1);
    let emma = book(app, staff, "Emma", 1);
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let ben = pupil(app, staff, "Ben Okafor", "5B");
    let loan = lend(app, staff, &card_of(&ana), dune).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("/patrons/{}", id_of(&ana)),
        Some(staff),
        json!({"status": "blocked", "blocked_reason": "late fees"}),
    )
    .expect(200);
    let refused = app
        .post(&format!("/loans/{loan}/renew"), Some(staff), json!({}))
        .expect(409);
    assert_eq!(refused.body["code"], "patron_blocked");

    // Ben holds Emma (ready at once, kept on the hold shelf); then he leaves.
    let hold = app
        .post(
            &format!("/books/{emma}/holds"),
            Some(staff),
            json!({"user_id": id_of(&ben)}),
        )
        .expect(201);
    assert_eq!(hold.result()["status"], "ready");
    app.patch(
        &format!("/patrons/{}", id_of(&ben)),
        Some(staff),
        json!({"status": "left"}),
    )
    .expect(200);
    let holds = app
        .get(&format!("/holds?book_id={emma}"), Some(staff))
        .expect(200);
    assert_eq!(holds.result()[0]["status"], "cancelled", "{}", holds.body);
    let emma_now = app.get(&format!("/books/{emma}"), None).expect(200);
    assert_eq!(emma_now.result()["available"], 1, "back on the shelf");
}

#[test]
fn the_last_admin_who_can_sign_in_stays() {
    let s = school();
    let app = &s.app;
    // A second admin, who then leaves: they no longer count.
    let (other, _) = app.user("ops");
    app.patch(
        &format!("/users/{other}/role"),
        Some(&s.admin),
        json!({"role": "admin"}),
    )
    .expect(200);
    app.patch(
        &format!("/patrons/{other}"),
        Some(&s.admin),
        json!({"status": "left"}),
    )
    .expect(200);
    let me = app.get("/users/me", Some(&s.admin)).expect(200).result()["id"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("/patrons/{me}"),
        Some(&s.admin),
        json!({"status": "left"}),
    )
    .expect_field_error(409, "status");
    app.post(&format!("/patrons/{me}/erase"), Some(&s.admin), json!({}))
        .expect_field_error(409, "id");
    app.delete(&format!("/users/{me}"), Some(&s.admin))
        .expect_field_error(409, "id");
    app.patch(
        &format!("/users/{me}/role"),
        Some(&s.admin),
        json!({"role": "member"}),
    )
    .expect_field_error(409, "role");
    // The one who left can be erased: they were not the last.
    app.post(
        &format!("/patrons/{other}/erase"),
        Some(&s.admin),
        json!({}),
    )
    .expect(200);
    app.get("/users/me", Some(&s.admin)).expect(200);
}

#[test]
fn a_username_cannot_shadow_a_pupils_card() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let card = card_of(&ana);
    app.patch(
        &format!("/patrons/{}", id_of(&ana)),
        Some(staff),
        json!({"pin": "8642"}),
    )
    .expect(200);
    // Someone registers the card number as their username.
    app.post(
        "/users/register",
        None,
        json!({"email": "sly@example.org", "username": card.to_lowercase(), "password": PASSWORD}),
    )
    .expect(201);
    let login = app
        .post(
            "/users/login",
            None,
            json!({"card_number": card, "pin": "8642"}),
        )
        .expect(200);
    assert_eq!(login.result()["full_name"], "Ana Lima");
}

#[test]
fn the_log_forgets_who_read_what_with_the_loan_history() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let dune = book(app, staff, "Dune", 1);
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let loan = lend(app, staff, &card_of(&ana), dune).expect(201).result()["id"]
        .as_i64()
        .unwrap();
    app.post(&format!("/loans/{loan}/return"), Some(staff), json!({}))
        .expect(200);
    let reading = |app: &crate::common::TestApp| -> i64 {
        app.sql()
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE subject_type = 'loan' AND patron_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(reading(app), 2, "lent and returned, both naming Ana");
    app.patch("/settings", Some(&s.admin), json!({"loan_history_days": 0}))
        .expect(200);
    assert_eq!(reading(app), 0);
    let entries = app.get("/audit?per_page=100", Some(&s.admin)).expect(200);
    assert!(entries
        .result()
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "loan.return" && e["patron_id"].is_null()));
}

/// A form carries only text: "false" is the boolean and "12.50" the number a field asks for.
#[test]
fn forms_set_yes_or_no_and_numbers_as_text() {
    use crate::common::Payload;
    use rocket::http::Method;
    let s = school();
    let app = &s.app;
    let form = |pairs: &[(&str, &str)]| {
        Payload::Form(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let on = app
        .send(
            Method::Patch,
            "/settings",
            Some(&s.admin),
            form(&[("members_see_names", "true"), ("loan_history_days", "30")]),
        )
        .expect(200);
    assert_eq!(on.result()["members_see_names"], true);
    assert_eq!(on.result()["loan_history_days"], 30);
    let off = app
        .send(
            Method::Patch,
            "/settings",
            Some(&s.admin),
            form(&[
                ("members_see_names", "false"),
                ("loan_history_days", "null"),
            ]),
        )
        .expect(200);
    assert_eq!(off.result()["members_see_names"], false);
    assert!(off.result()["loan_history_days"].is_null());
    // null is a value only where the field takes null: members_see_names does not.
    for text in ["maybe", "null", ""] {
        app.send(
            Method::Patch,
            "/settings",
            Some(&s.admin),
            form(&[("members_see_names", text)]),
        )
        .expect_field_error(400, "members_see_names");
    }
    // A PIN set, then taken away by a form's "null".
    let ana = pupil(app, &s.librarian, "Ana Lima", "5B");
    let path = format!("/patrons/{}", id_of(&ana));
    let set = app
        .send(
            Method::Patch,
            &path,
            Some(&s.librarian),
            form(&[("pin", "2468")]),
        )
        .expect(200);
    assert_eq!(set.result()["can_sign_in"], true);
    let unset = app
        .send(
            Method::Patch,
            &path,
            Some(&s.librarian),
            form(&[("pin", "null")]),
        )
        .expect(200);
    assert_eq!(unset.result()["can_sign_in"], false);
    let dune = book(app, &s.librarian, "Dune", 0);
    let copy = app
        .send(
            Method::Post,
            &format!("/books/{dune}/items"),
            Some(&s.librarian),
            form(&[("price", "12.50")]),
        )
        .expect(201);
    assert_eq!(copy.result()["price"], 12.5);
    app.send(
        Method::Post,
        &format!("/books/{dune}/items"),
        Some(&s.librarian),
        form(&[("price", "cheap")]),
    )
    .expect_field_error(400, "price");
}

/// What the document says a field takes is what the server takes: null only where a field
/// may be cleared, and a block always says why.
#[test]
fn null_is_refused_where_a_field_cannot_be_cleared_and_a_block_gives_its_reason() {
    let s = school();
    let (app, staff) = (&s.app, s.librarian.as_str());
    let ana = pupil(app, staff, "Ana Lima", "5B");
    let path = format!("/patrons/{}", id_of(&ana));
    for field in ["username", "card_number", "status"] {
        app.patch(&path, Some(staff), json!({ field: null }))
            .expect_field_error(400, field);
    }
    app.post(
        "/patrons",
        Some(staff),
        json!({"full_name": "Ben", "username": null}),
    )
    .expect_field_error(400, "username");
    for field in ["registration", "members_see_names"] {
        app.patch("/settings", Some(&s.admin), json!({ field: null }))
            .expect_field_error(400, field);
    }
    app.patch(
        &path,
        Some(staff),
        json!({"status": "blocked", "blocked_reason": "lost a book"}),
    )
    .expect(200);
    // Blocked again, or still: the request names the reason each time.
    app.patch(&path, Some(staff), json!({"status": "blocked"}))
        .expect_field_error(400, "blocked_reason");
    app.patch(
        &path,
        Some(staff),
        json!({"status": "blocked", "blocked_reason": " "}),
    )
    .expect_field_error(400, "blocked_reason");
    // A copy's status by hand: never on loan or on the hold shelf.
    let dune = book(app, staff, "Dune", 1);
    app.post(
        &format!("/books/{dune}/items"),
        Some(staff),
        json!({"status": "on_loan"}),
    )
    .expect_field_error(400, "status");
}
