//! Lending by barcode, item id, book or ISBN: staff at the desk, members at self-checkout
//! (refusals are in `refusals.rs`).

use super::*;

fn loan_of(reply: &Reply) -> &Value {
    reply.result()
}

#[test]
fn staff_lend_a_scanned_copy_to_a_scanned_card() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    let reply = app
        .post(
            "/loans",
            Some(staff),
            json!({"barcode": "000002", "card_number": d.ana.card.to_lowercase()}),
        )
        .expect(201);
    assert_eq!(reply.body["message"], "BORROW BOOK SUCCESS");
    let loan = loan_of(&reply);
    assert_eq!(loan["user_id"], d.ana.id);
    assert_eq!(loan["book_id"], id);
    assert_eq!(loan["barcode"], "000002");
    assert_eq!(loan["item_id"], item_id(app, "000002"));
    assert_eq!(loan["status"], "active");
    assert_eq!(status(app, "000002"), "on_loan");
    assert_eq!(status(app, "000001"), "available");
    assert_eq!(counts(app, id), (2, 1));
    // By user id too.
    let reply = app
        .post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "user_id": d.ben.id}),
        )
        .expect(201);
    assert_eq!(loan_of(&reply)["user_id"], d.ben.id);
    assert_eq!(loan_of(&reply)["barcode"], "000001");
    assert_eq!(counts(app, id), (2, 0));
}

#[test]
fn staff_lend_by_item_id_book_id_and_isbn_picking_a_free_copy() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let by_item = book(app, staff, "First", 2);
    let second = item_id(app, "000002");
    let reply = app
        .post(
            "/loans",
            Some(staff),
            json!({"item_id": second, "card_number": d.ana.card}),
        )
        .expect(201);
    assert_eq!(loan_of(&reply)["item_id"], second);
    assert_eq!(loan_of(&reply)["book_id"], by_item);

    // By book: the copy longest on the shelf; one in repair is skipped.
    let by_book = book(app, staff, "Second", 3);
    let repair = item_id(app, "000003");
    app.patch(
        &format!("/items/{repair}"),
        Some(staff),
        json!({"status": "in_repair"}),
    )
    .expect(200);
    let reply = app
        .post(
            "/loans",
            Some(staff),
            json!({"book_id": by_book, "card_number": d.ana.card}),
        )
        .expect(201);
    assert_eq!(loan_of(&reply)["barcode"], "000004");
    assert_eq!(status(app, "000003"), "in_repair");

    let isbn_book = app
        .post(
            "/books",
            Some(staff),
            json!({"title": "Third", "author": "A", "isbn": "0-441-17271-7", "copies": 1}),
        )
        .expect(201)
        .result()["id"]
        .as_i64()
        .unwrap();
    let reply = app
        .post(
            "/loans",
            Some(staff),
            json!({"isbn": "9780441172719", "user_id": d.ben.id}),
        )
        .expect(201);
    assert_eq!(loan_of(&reply)["book_id"], isbn_book);
    assert_eq!(loan_of(&reply)["barcode"], "000006");
    assert_eq!(counts(app, isbn_book), (1, 0));
}

#[test]
fn members_check_out_for_themselves_by_barcode_or_book_by_default() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let first = book(app, staff, "Dune", 1);
    let second = book(app, staff, "Emma", 1);
    let reply = app
        .post("/loans", Some(&d.ana.token), json!({"barcode": "000001"}))
        .expect(201);
    assert_eq!(loan_of(&reply)["user_id"], d.ana.id);
    assert_eq!(loan_of(&reply)["barcode"], "000001");
    let reply = app
        .post("/loans", Some(&d.ana.token), json!({"book_id": second}))
        .expect(201);
    assert_eq!(loan_of(&reply)["barcode"], "000002");
    assert_eq!(counts(app, first), (1, 0));
    assert_eq!(counts(app, second), (1, 0));
    // Naming themselves is fine; naming anyone else is not.
    let third = book(app, staff, "Kim", 2);
    let before = snapshot(app);
    for body in [
        json!({"book_id": third, "user_id": d.ben.id}),
        json!({"barcode": "000003", "card_number": d.ben.card}),
    ] {
        app.post("/loans", Some(&d.ana.token), body).expect(403);
    }
    assert_eq!(snapshot(app), before);
    app.post(
        "/loans",
        Some(&d.ana.token),
        json!({"barcode": "000003", "user_id": d.ana.id}),
    )
    .expect(201);
}

#[test]
fn self_checkout_switched_off_leaves_lending_to_the_desk() {
    let d = desk_with(|mut c| {
        c.self_checkout = false;
        c
    });
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let before = snapshot(app);
    for body in [json!({"barcode": "000001"}), json!({"book_id": id})] {
        let reply = refused(
            app.post("/loans", Some(&d.ana.token), body),
            403,
            "self_checkout_off",
        );
        assert!(detail(&reply).contains("desk"), "{}", reply.body);
    }
    assert_eq!(snapshot(app), before);
    lend(app, staff, "000001", &d.ana.card);
    assert_eq!(status(app, "000001"), "on_loan");
}
