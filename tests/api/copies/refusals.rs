//! Lending refused: each refusal with its stable code, its params and an English sentence
//! (staff hear who has a copy, members only that it is not available), and nothing changed.

use super::*;

#[test]
fn a_copy_on_loan_names_its_borrower_to_staff_and_only_not_available_to_members() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 1);
    let loan = lend(app, staff, "000001", &d.ana.card);
    let before = snapshot(app);
    let reply = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "card_number": d.ben.card}),
        ),
        409,
        "item_on_loan",
    );
    let expected = format!(
        "Copy 000001 is on loan to Ana Lima (5B), due {}",
        short_date(&loan["due_at"])
    );
    assert_eq!(detail(&reply), expected);
    let params = &reply.body["params"];
    assert_eq!(params["barcode"], "000001");
    assert_eq!(params["status"], "on_loan");
    assert_eq!(params["user_id"], d.ana.id);
    assert_eq!(params["patron"], "Ana Lima (5B)");
    assert_eq!(params["due_at"], loan["due_at"]);

    let member = refused(
        app.post("/loans", Some(&d.ben.token), json!({"barcode": "000001"})),
        409,
        "item_not_available",
    );
    assert_eq!(detail(&member), "Copy 000001 is not available");
    let text = member.body.to_string();
    assert!(
        !text.contains("Ana") && !text.contains("Lima") && !text.contains(&d.ana.card),
        "a member is not told who has it: {text}"
    );
    assert!(member.body["params"].get("user_id").is_none());
    assert_eq!(snapshot(app), before);

    // Overdue, the desk hears that too.
    make_overdue(app, d.ana.id, 3);
    let late = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "user_id": d.ben.id}),
        ),
        409,
        "item_on_loan",
    );
    assert!(detail(&late).ends_with("(overdue)"), "{}", late.body);
}

#[test]
fn withdrawn_and_lost_copies_are_refused_with_their_codes() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 3);
    app.delete(&format!("/items/{}", item_id(app, "000001")), Some(staff))
        .expect(200);
    app.post(
        &format!("/items/{}/lost", item_id(app, "000002")),
        Some(staff),
        json!({}),
    )
    .expect(200);
    let repair = item_id(app, "000003");
    app.patch(
        &format!("/items/{repair}"),
        Some(staff),
        json!({"status": "in_repair"}),
    )
    .expect(200);
    let before = snapshot(app);
    for (token, card) in [(staff, Some(&d.ana.card)), (d.ana.token.as_str(), None)] {
        let body = |code: &str| match card {
            Some(card) => json!({"barcode": code, "card_number": card}),
            None => json!({"barcode": code}),
        };
        let withdrawn = refused(
            app.post("/loans", Some(token), body("000001")),
            409,
            "item_withdrawn",
        );
        assert_eq!(withdrawn.body["params"]["barcode"], "000001");
        assert!(detail(&withdrawn).contains("withdrawn"));
        let lost = refused(
            app.post("/loans", Some(token), body("000002")),
            409,
            "item_lost",
        );
        assert_eq!(lost.body["params"]["status"], "lost");
        assert!(detail(&lost).contains("Copy 000002 is marked lost"));
        let away = refused(
            app.post("/loans", Some(token), body("000003")),
            409,
            "item_not_available",
        );
        assert!(detail(&away).contains("in repair"), "{}", away.body);
    }
    assert_eq!(snapshot(app), before);
}

#[test]
fn a_copy_on_the_hold_shelf_goes_only_to_its_reader() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let carl = patron(app, staff, "carl", "Carl Berg", "Staff");
    app.post(&format!("/books/{id}/holds"), Some(&d.ben.token), json!({}))
        .expect(201);
    assert_eq!(status(app, "000001"), "on_hold_shelf");
    let before = snapshot(app);
    let reply = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "card_number": carl.card}),
        ),
        409,
        "item_on_hold_shelf",
    );
    assert_eq!(
        detail(&reply),
        "Copy 000001 is on the hold shelf for Ben Okafor (6A)"
    );
    assert_eq!(reply.body["params"]["user_id"], d.ben.id);
    let member = refused(
        app.post("/loans", Some(&carl.token), json!({"barcode": "000001"})),
        409,
        "item_not_available",
    );
    assert!(!member.body.to_string().contains("Ben"), "{}", member.body);
    refused(
        app.post("/loans", Some(&carl.token), json!({"book_id": id})),
        409,
        "no_copy_free",
    );
    assert_eq!(snapshot(app), before);
    let lent = lend(app, staff, "000001", &d.ben.card);
    assert_eq!(lent["user_id"], d.ben.id);
    let hold: String = app
        .sql()
        .query_row(
            "SELECT status FROM holds WHERE user_id = ?1",
            [d.ben.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hold, "fulfilled");
}

#[test]
fn a_patron_with_overdue_loans_borrows_nothing_until_they_are_back() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 1);
    book(app, staff, "Emma", 1);
    let third = book(app, staff, "Kim", 1);
    lend(app, staff, "000001", &d.ana.card);
    make_overdue(app, d.ana.id, 2);
    let before = snapshot(app);
    let reply = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000002", "card_number": d.ana.card}),
        ),
        409,
        "patron_overdue",
    );
    assert_eq!(
        detail(&reply),
        "Ana Lima (5B) has 1 overdue book; they must come back first"
    );
    assert_eq!(reply.body["params"]["overdue"], 1);
    assert_eq!(reply.body["params"]["user_id"], d.ana.id);
    // The member hears it about themself.
    let own = refused(
        app.post("/loans", Some(&d.ana.token), json!({"book_id": third})),
        409,
        "patron_overdue",
    );
    assert_eq!(
        detail(&own),
        "You have 1 overdue book; bring them back first"
    );
    assert_eq!(snapshot(app), before);

    // Two overdue: the count follows.
    let conn = app.sql();
    conn.execute(
        "INSERT INTO loans (book_id, user_id, borrowed_at, due_at, item_id)
         SELECT book_id, ?1, 0, 10, id FROM items WHERE barcode = '000002'",
        [d.ana.id],
    )
    .unwrap();
    conn.execute(
        "UPDATE items SET status = 'on_loan' WHERE barcode = '000002'",
        [],
    )
    .unwrap();
    let two = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000003", "user_id": d.ana.id}),
        ),
        409,
        "patron_overdue",
    );
    assert_eq!(two.body["params"]["overdue"], 2);
    assert!(detail(&two).contains("has 2 overdue books"), "{}", two.body);
    assert_eq!(status(app, "000003"), "available");
}

#[test]
fn the_overdue_block_can_be_switched_off() {
    let d = desk_with(|mut c| {
        c.overdue_blocks_lending = false;
        c
    });
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 1);
    book(app, staff, "Emma", 1);
    lend(app, staff, "000001", &d.ana.card);
    make_overdue(app, d.ana.id, 2);
    lend(app, staff, "000002", &d.ana.card);
}

#[test]
fn the_loan_limit_and_a_second_copy_of_the_same_book_are_refused() {
    let d = desk_with(|mut c| {
        c.max_active_loans = 2;
        c
    });
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 2);
    book(app, staff, "Emma", 1);
    book(app, staff, "Kim", 1);
    lend(app, staff, "000001", &d.ana.card);
    let before = snapshot(app);
    let same = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000002", "card_number": d.ana.card}),
        ),
        409,
        "already_borrowed",
    );
    assert_eq!(same.body["params"]["user_id"], d.ana.id);
    assert_eq!(snapshot(app), before);
    lend(app, staff, "000003", &d.ana.card);
    let before = snapshot(app);
    let limit = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000004", "card_number": d.ana.card}),
        ),
        409,
        "loan_limit",
    );
    assert_eq!(limit.body["params"]["limit"], 2);
    assert_eq!(limit.body["params"]["user_id"], d.ana.id);
    assert!(detail(&limit).contains('2'), "{}", limit.body);
    assert_eq!(snapshot(app), before);
}

#[test]
fn wrong_codes_are_named_for_what_they_are_and_change_nothing() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 2);
    let before = snapshot(app);
    let unknown_card = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "card_number": "P999999"}),
        ),
        404,
        "unknown_card",
    );
    assert_eq!(unknown_card.body["params"]["card_number"], "P999999");
    assert!(detail(&unknown_card).contains("P999999"));
    let copy_as_card = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "000001", "card_number": "000002"}),
        ),
        422,
        "item_not_card",
    );
    assert!(detail(&copy_as_card).contains("000002"));
    let unknown_copy = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": "X-404", "card_number": d.ana.card}),
        ),
        404,
        "unknown_barcode",
    );
    assert_eq!(unknown_copy.body["params"]["barcode"], "X-404");
    let card_as_copy = refused(
        app.post(
            "/loans",
            Some(staff),
            json!({"barcode": d.ben.card, "card_number": d.ana.card}),
        ),
        422,
        "patron_card_not_item",
    );
    assert_eq!(card_as_copy.body["params"]["user_id"], d.ben.id);
    // A member scanning a card as a copy hears the same.
    refused(
        app.post("/loans", Some(&d.ana.token), json!({"barcode": d.ana.card})),
        422,
        "patron_card_not_item",
    );
    app.post(
        "/loans",
        Some(staff),
        json!({"item_id": 9999, "card_number": d.ana.card}),
    )
    .expect(404);
    app.post(
        "/loans",
        Some(staff),
        json!({"barcode": "000001", "user_id": 9999}),
    )
    .expect(404);
    assert_eq!(snapshot(app), before);
}

#[test]
fn a_loan_request_names_exactly_one_copy_or_book_and_one_borrower() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    let before = snapshot(app);
    for (body, field) in [
        (json!({"card_number": d.ana.card}), "book_id"),
        (
            json!({"barcode": "000001", "book_id": id, "card_number": d.ana.card}),
            "barcode",
        ),
        (
            json!({"barcode": "000001", "card_number": d.ana.card, "user_id": d.ana.id}),
            "card_number",
        ),
        (
            json!({"barcode": "not a code", "card_number": d.ana.card}),
            "barcode",
        ),
        (
            json!({"barcode": "000001", "card_number": "no card"}),
            "card_number",
        ),
    ] {
        app.post("/loans", Some(staff), body)
            .expect_field_error(400, field);
    }
    app.post("/loans", None, json!({"barcode": "000001"}))
        .expect(401);
    assert_eq!(snapshot(app), before);
}
