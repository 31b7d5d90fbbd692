//! Check-in by barcode: the loan closes whoever had it, and the answer says where the copy
//! goes next — the shelf, or the hold shelf for the first waiting reader.

use super::*;

fn check_in(app: &TestApp, staff: &str, barcode: &str) -> Reply {
    app.post("/returns", Some(staff), json!({ "barcode": barcode }))
}

#[test]
fn a_copy_checked_in_goes_back_to_the_shelf_whoever_had_it() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    // Borrowed by the member at self-checkout, returned at the desk.
    let loan = app
        .post("/loans", Some(&d.ana.token), json!({"barcode": "000001"}))
        .expect(201)
        .result()
        .clone();
    assert_eq!(counts(app, id), (2, 1));
    let reply = check_in(app, staff, " 000001 ").expect(200);
    assert_eq!(reply.body["message"], "RETURN ITEM SUCCESS");
    let back = reply.result();
    assert_eq!(back["next"], "shelf");
    assert_eq!(back["instruction"], "Back to the shelf");
    assert_eq!(back["previous_status"], "on_loan");
    assert!(back["hold"].is_null());
    assert_eq!(back["item"]["status"], "available");
    assert_eq!(back["item"]["barcode"], "000001");
    assert!(back["item"]["on_loan_to"].is_null());
    assert_eq!(back["loan"]["id"], loan["id"]);
    assert_eq!(back["loan"]["user_id"], d.ana.id);
    assert_eq!(back["loan"]["status"], "returned");
    assert!(back["loan"]["returned_at"].is_string());
    assert!(open_loans_of(app, "000001").is_empty());
    assert_eq!(status(app, "000001"), "available");
    assert_eq!(counts(app, id), (2, 2));
    // The member sees it returned in their own list.
    let mine = app.get("/loans", Some(&d.ana.token)).expect(200);
    assert_eq!(mine.result()[0]["status"], "returned");

    // A copy with its own shelf place is sent there.
    let other = item_id(app, "000002");
    app.patch(
        &format!("/items/{other}"),
        Some(staff),
        json!({"location": "Room 2"}),
    )
    .expect(200);
    lend(app, staff, "000002", &d.ben.card);
    let reply = check_in(app, staff, "000002").expect(200);
    assert_eq!(reply.result()["instruction"], "Back to the shelf: Room 2");
}

#[test]
fn a_waiting_hold_takes_the_copy_onto_the_hold_shelf_for_its_reader() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let carl = patron(app, staff, "carl", "Carl Berg", "Staff");
    lend(app, staff, "000001", &d.ana.card);
    let hold = app
        .post(&format!("/books/{id}/holds"), Some(&d.ben.token), json!({}))
        .expect(201)
        .result()
        .clone();
    assert_eq!(hold["status"], "waiting");
    let reply = check_in(app, staff, "000001").expect(200);
    let back = reply.result();
    let copy = item_id(app, "000001");
    assert_eq!(back["next"], "hold_shelf");
    assert_eq!(
        back["instruction"],
        "Put on the hold shelf for Ben Okafor (6A)"
    );
    assert_eq!(back["hold"]["id"], hold["id"]);
    assert_eq!(back["hold"]["user_id"], d.ben.id);
    assert_eq!(back["hold"]["status"], "ready");
    assert_eq!(back["hold"]["item_id"], copy);
    assert!(back["hold"]["ready_until"].is_string());
    assert_eq!(back["item"]["status"], "on_hold_shelf");
    assert_eq!(back["item"]["held_for"]["user_id"], d.ben.id);
    assert_eq!(back["item"]["held_for"]["name"], "Ben Okafor (6A)");
    assert_eq!(back["loan"]["user_id"], d.ana.id);
    assert_eq!(status(app, "000001"), "on_hold_shelf");
    assert_eq!(counts(app, id), (1, 0));
    let mine = app.get("/holds", Some(&d.ben.token)).expect(200);
    assert_eq!(mine.result()[0]["status"], "ready");
    assert_eq!(mine.result()[0]["item_id"], copy);

    // Reserved: another patron cannot have it, its reader can.
    let before = snapshot(app);
    refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "card_number": carl.card}),
        ),
        409,
        "item_on_hold_shelf",
    );
    refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "card_number": d.ana.card}),
        ),
        409,
        "item_on_hold_shelf",
    );
    // Scanned at check-in again, it is already where it belongs.
    let again = refused(check_in(app, staff, "000001"), 409, "already_on_hold_shelf");
    assert!(detail(&again).contains("Ben Okafor (6A)"), "{}", again.body);
    assert_eq!(snapshot(app), before);
    let lent = lend(app, staff, "000001", &d.ben.card);
    assert_eq!(lent["user_id"], d.ben.id);
    assert_eq!(lent["item_id"], copy);
}

#[test]
fn a_lost_copy_turning_up_at_check_in_is_found_again() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let loan = lend(app, staff, "000001", &d.ana.card);
    let copy = item_id(app, "000001");
    app.post(&format!("/items/{copy}/lost"), Some(staff), json!({}))
        .expect(200);
    assert_eq!(counts(app, id), (0, 0));
    let reply = check_in(app, staff, "000001").expect(200);
    let back = reply.result();
    assert_eq!(back["previous_status"], "lost");
    assert_eq!(back["item"]["status"], "available");
    assert_eq!(back["next"], "shelf");
    assert!(back["loan"].is_null(), "marking it lost ended the loan");
    assert_eq!(
        back["instruction"],
        "Copy 000001 was marked lost and is found again. Back to the shelf"
    );
    assert_eq!(counts(app, id), (1, 1));
    let closed: Option<i64> = app
        .sql()
        .query_row(
            "SELECT returned_at FROM loans WHERE id = ?1",
            [loan["id"].as_i64().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(closed.is_some());

    // Missing and found with a reader waiting: straight to the hold shelf.
    app.patch(
        &format!("/items/{copy}"),
        Some(staff),
        json!({"status": "missing"}),
    )
    .expect(200);
    app.post(&format!("/books/{id}/holds"), Some(&d.ben.token), json!({}))
        .expect(201);
    let reply = check_in(app, staff, "000001").expect(200);
    let back = reply.result();
    assert_eq!(back["previous_status"], "missing");
    assert_eq!(back["next"], "hold_shelf");
    assert_eq!(
        back["instruction"],
        "Copy 000001 was marked missing and is found again. \
         Put on the hold shelf for Ben Okafor (6A)"
    );
}

#[test]
fn a_copy_back_from_repair_is_taken_in_at_check_in() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let copy = item_id(app, "000001");
    app.patch(
        &format!("/items/{copy}"),
        Some(staff),
        json!({"status": "in_repair"}),
    )
    .expect(200);
    assert_eq!(counts(app, id), (1, 0));
    let reply = check_in(app, staff, "000001").expect(200);
    let back = reply.result();
    assert_eq!(back["previous_status"], "in_repair");
    assert_eq!(back["item"]["status"], "available");
    assert_eq!(back["instruction"], "Back to the shelf");
    assert!(back["loan"].is_null());
    assert_eq!(counts(app, id), (1, 1));
}

#[test]
fn a_check_in_that_cannot_be_is_refused_and_changes_nothing() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 2);
    app.delete(&format!("/items/{}", item_id(app, "000002")), Some(staff))
        .expect(200);
    let before = snapshot(app);
    let shelf = refused(check_in(app, staff, "000001"), 409, "not_on_loan");
    assert_eq!(shelf.body["params"]["barcode"], "000001");
    assert_eq!(shelf.body["params"]["status"], "available");
    assert!(detail(&shelf).contains("was not on loan"), "{}", shelf.body);
    let withdrawn = refused(check_in(app, staff, "000002"), 409, "item_withdrawn");
    assert!(detail(&withdrawn).contains("withdrawn"));
    let unknown = refused(check_in(app, staff, "Z-1"), 404, "unknown_barcode");
    assert_eq!(unknown.body["params"]["barcode"], "Z-1");
    let card = refused(
        check_in(app, staff, &d.ana.card),
        422,
        "patron_card_not_item",
    );
    assert_eq!(card.body["params"]["user_id"], d.ana.id);
    for body in [json!({}), json!({"barcode": ""}), json!({"barcode": "a b"})] {
        app.post("/returns", Some(staff), body)
            .expect_field_error(400, "barcode");
    }
    app.post("/returns", Some(&d.ana.token), json!({"barcode": "000001"}))
        .expect(403);
    assert_eq!(snapshot(app), before);
}

#[test]
fn the_old_return_route_still_frees_the_copy_or_passes_it_to_a_hold() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let loan = app
        .post("/loans", Some(&d.ana.token), json!({"book_id": id}))
        .expect(201)
        .result()
        .clone();
    assert_eq!(loan["barcode"], "000001");
    let back = app
        .post(
            &format!("/loans/{}/return", loan["id"]),
            Some(&d.ana.token),
            json!({}),
        )
        .expect(200);
    assert_eq!(back.result()["status"], "returned");
    assert_eq!(back.result()["barcode"], "000001");
    assert_eq!(status(app, "000001"), "available");
    assert_eq!(counts(app, id), (1, 1));

    let again = app
        .post("/loans", Some(&d.ana.token), json!({"book_id": id}))
        .expect(201)
        .result()
        .clone();
    app.post(&format!("/books/{id}/holds"), Some(&d.ben.token), json!({}))
        .expect(201);
    app.post(
        &format!("/loans/{}/return", again["id"]),
        Some(staff),
        json!({}),
    )
    .expect(200);
    assert_eq!(status(app, "000001"), "on_hold_shelf");
    let held: (String, i64) = app
        .sql()
        .query_row(
            "SELECT status, item_id FROM holds WHERE user_id = ?1",
            [d.ben.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(held, ("ready".to_string(), item_id(app, "000001")));
    // The copy is closed out: a check-in now is refused.
    refused(check_in(app, staff, "000001"), 409, "already_on_hold_shelf");
}
