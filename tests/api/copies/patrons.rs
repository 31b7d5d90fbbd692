//! Patron cards: numbers for new members, the desk's fields, search, and the panel a
//! scanned card opens.

use super::*;

fn is_numbered(card: &str, prefix: &str) -> bool {
    card.strip_prefix(prefix)
        .is_some_and(|digits| digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn new_members_get_their_own_card_numbers() {
    let d = desk();
    let cards = [d.ana.card.as_str(), d.ben.card.as_str()];
    for card in cards {
        assert!(is_numbered(card, "P"), "{card}");
    }
    assert_ne!(cards[0], cards[1]);
    let (carl, _) = d.app.user("carl");
    let panel = d
        .app
        .get(&format!("/patrons/{carl}"), Some(&d.librarian))
        .expect(200);
    let patron = &panel.result()["patron"];
    let card = patron["card_number"].as_str().unwrap();
    assert!(is_numbered(card, "P") && !cards.contains(&card), "{card}");
    assert_eq!(patron["username"], "carl");
    assert_eq!(
        patron["display_name"], "carl",
        "no full name yet: the username"
    );
    assert!(patron["full_name"].is_null() && patron["group"].is_null());
    let stored: i64 = d
        .app
        .sql()
        .query_row(
            "SELECT COUNT(DISTINCT card_number) FROM users WHERE card_number IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        stored, 5,
        "admin, librarian, ana, ben and carl each have a card"
    );

    // A number a copy's label has taken is skipped: the desk could not tell them apart.
    let next = card.strip_prefix('P').unwrap().parse::<i64>().unwrap() + 1;
    let label = format!("P{next:06}");
    let id = book(&d.app, &d.librarian, "Dune", 0);
    d.app
        .post(
            &format!("/books/{id}/items"),
            Some(&d.librarian),
            json!({"barcode": label}),
        )
        .expect(201);
    let (dora, _) = d.app.user("dora");
    let panel = d
        .app
        .get(&format!("/patrons/{dora}"), Some(&d.librarian))
        .expect(200);
    assert_eq!(
        panel.result()["patron"]["card_number"],
        format!("P{:06}", next + 1)
    );
}

#[test]
fn the_card_prefix_comes_from_the_configuration() {
    let d = desk_with(|mut c| {
        c.card_prefix = "SCH-".into();
        c
    });
    assert!(is_numbered(&d.ana.card, "SCH-"), "{}", d.ana.card);
    assert!(is_numbered(&d.ben.card, "SCH-"), "{}", d.ben.card);
}

#[test]
fn staff_set_a_patrons_name_card_and_group() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let path = format!("/patrons/{}", d.ana.id);
    let reply = app
        .patch(
            &path,
            Some(staff),
            json!({"full_name": "Ana Maria Lima", "card_number": " s-0042 ", "group": "6A"}),
        )
        .expect(200);
    assert_eq!(reply.body["message"], "UPDATE PATRON SUCCESS");
    let patron = reply.result();
    assert_eq!(patron["id"], d.ana.id);
    assert_eq!(patron["full_name"], "Ana Maria Lima");
    assert_eq!(patron["card_number"], "s-0042");
    assert_eq!(patron["group"], "6A");
    assert_eq!(patron["display_name"], "Ana Maria Lima (6A)");
    assert_eq!(patron["username"], "ana");
    let panel = app.get("/patrons/card/S-0042", Some(staff)).expect(200);
    assert_eq!(panel.result()["patron"]["id"], d.ana.id);
    refused(
        app.get(&format!("/patrons/card/{}", d.ana.card), Some(staff)),
        404,
        "unknown_card",
    );
    // Left out stays; a blank group clears it.
    let reply = app
        .patch(&path, Some(staff), json!({"group": ""}))
        .expect(200);
    assert!(reply.result()["group"].is_null());
    assert_eq!(reply.result()["full_name"], "Ana Maria Lima");
    assert_eq!(reply.result()["card_number"], "s-0042");
    assert_eq!(reply.result()["display_name"], "Ana Maria Lima");
    app.patch(&path, Some(staff), json!({"group": "6A"}))
        .expect(200);
}

#[test]

fn null_clears_a_patrons_name_and_group() {
    let d = desk();
    let path = format!("/patrons/{}", d.ana.id);
    let reply = d
        .app
        .patch(
            &path,
            Some(&d.librarian),
            json!({"full_name": null, "group": null}),
        )
        .expect(200);
    assert!(reply.result()["group"].is_null(), "{}", reply.body);
    assert!(reply.result()["full_name"].is_null(), "{}", reply.body);
    assert_eq!(reply.result()["display_name"], "ana");
}

#[test]
fn a_card_number_must_be_free_and_scannable() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 1);
    let path = format!("/patrons/{}", d.ana.id);
    let before = snapshot(app);
    for card in [d.ben.card.clone(), d.ben.card.to_lowercase()] {
        let reply = app
            .patch(
                &path,
                Some(staff),
                json!({"card_number": card, "full_name": "Changed"}),
            )
            .expect_field_error(409, "card_number");
        assert_eq!(reply.body["message"], "CONFLICT");
    }
    app.patch(&path, Some(staff), json!({"card_number": "000001"}))
        .expect_field_error(409, "card_number");
    let long = "9".repeat(33);
    for bad in ["a b", "", "é", long.as_str(), "P;1"] {
        app.patch(
            &path,
            Some(staff),
            json!({"card_number": bad, "group": "Changed"}),
        )
        .expect_field_error(400, "card_number");
    }
    app.patch(&path, Some(staff), json!({"full_name": "x".repeat(201)}))
        .expect_field_error(400, "full_name");
    app.patch(&path, Some(staff), json!({"group": "x".repeat(51)}))
        .expect_field_error(400, "group");
    app.patch("/patrons/9999", Some(staff), json!({"group": "5B"}))
        .expect(404);
    assert_eq!(snapshot(app), before);
    // Their own card again, in another case, is no conflict.
    let own = app
        .patch(
            &path,
            Some(staff),
            json!({"card_number": d.ana.card.to_lowercase()}),
        )
        .expect(200);
    assert_eq!(own.result()["card_number"], d.ana.card.to_lowercase());
}

fn found_ids(app: &TestApp, staff: &str, q: &str) -> Vec<i64> {
    let reply = app.get(&format!("/patrons?q={q}"), Some(staff)).expect(200);
    reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn patrons_are_found_by_name_word_card_and_group() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let carl = patron(app, staff, "carl", "Carla Okafor", "5B");
    let (ana, ben) = (d.ana.id, d.ben.id);
    assert_eq!(found_ids(app, staff, "Ana"), [ana]);
    assert_eq!(found_ids(app, staff, "ana%20lima"), [ana]);
    assert_eq!(found_ids(app, staff, "lim"), [ana], "a word of the name");
    assert_eq!(found_ids(app, staff, "okafor"), [ben, carl.id], "by name");
    assert_eq!(found_ids(app, staff, &d.ben.card.to_lowercase()), [ben]);
    assert_eq!(found_ids(app, staff, "5b"), [ana, carl.id]);
    assert_eq!(found_ids(app, staff, "nobody"), Vec::<i64>::new());
    assert_eq!(
        found_ids(app, staff, "%25"),
        Vec::<i64>::new(),
        "% is literal"
    );
    let reply = app.get("/patrons?q=ben", Some(staff)).expect(200);
    let view = &reply.result()[0];
    assert_eq!(view["display_name"], "Ben Okafor (6A)");
    assert_eq!(view["card_number"], d.ben.card.as_str());
    assert_eq!(view["group"], "6A");
    assert_eq!(view["role"], "member");
    assert_eq!(view["email"], "ben@example.org");
    assert_eq!(reply.body["meta"]["total"], 1, "{}", reply.body);
    // Without words, everyone; a group or status narrows the list.
    let all = app.get("/patrons?q=", Some(staff)).expect(200);
    assert_eq!(all.body["meta"]["total"], 5, "{}", all.body);
    let fifth = app.get("/patrons?group=5b", Some(staff)).expect(200);
    assert_eq!(fifth.body["meta"]["total"], 2);
    app.get(&format!("/patrons?q={}", "x".repeat(201)), Some(staff))
        .expect_field_error(400, "q");
    app.get("/patrons?status=gone", Some(staff))
        .expect_field_error(400, "status");
}

#[test]
fn a_scanned_card_opens_the_patrons_panel() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    book(app, staff, "Dune", 1);
    book(app, staff, "Emma", 1);
    let kim = book(app, staff, "Kim", 1);
    lend(app, staff, "000001", &d.ana.card);
    lend(app, staff, "000002", &d.ana.card);
    // Dune is late; Kim waits on the hold shelf for her.
    app.sql()
        .execute(
            "UPDATE loans SET borrowed_at = unixepoch() - 20 * 86400,
                              due_at = unixepoch() - 86400
             WHERE item_id = (SELECT id FROM items WHERE barcode = '000001')",
            [],
        )
        .unwrap();
    app.post(
        &format!("/books/{kim}/holds"),
        Some(&d.ana.token),
        json!({}),
    )
    .expect(201);

    let reply = app
        .get(
            &format!("/patrons/card/{}", d.ana.card.to_lowercase()),
            Some(staff),
        )
        .expect(200);
    let panel = reply.result();
    assert_eq!(panel["patron"]["id"], d.ana.id);
    assert_eq!(panel["patron"]["display_name"], "Ana Lima (5B)");
    assert_eq!(panel["overdue"], 1);
    let loans = panel["loans"].as_array().unwrap();
    assert_eq!(loans.len(), 2);
    assert_eq!(loans[0]["title"], "Dune", "soonest due first");
    assert_eq!(loans[0]["barcode"], "000001");
    assert_eq!(loans[0]["status"], "overdue");
    assert!(loans[0]["due_at"].is_string());
    assert_eq!(loans[1]["title"], "Emma");
    assert_eq!(loans[1]["barcode"], "000002");
    assert_eq!(loans[1]["status"], "active");
    assert_eq!(loans[1]["item_id"], item_id(app, "000002"));
    let holds = panel["holds"].as_array().unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0]["title"], "Kim");
    assert_eq!(holds[0]["status"], "ready");
    assert_eq!(holds[0]["barcode"], "000003");
    assert!(holds[0]["ready_until"].is_string());
    // By id: the same panel.
    let by_id = app
        .get(&format!("/patrons/{}", d.ana.id), Some(staff))
        .expect(200);
    assert_eq!(by_id.result()["loans"], panel["loans"]);
    // An empty panel for a patron with nothing out.
    let ben = app
        .get(&format!("/patrons/card/{}", d.ben.card), Some(staff))
        .expect(200);
    assert_eq!(ben.result()["loans"], json!([]));
    assert_eq!(ben.result()["holds"], json!([]));
    assert_eq!(ben.result()["overdue"], 0);

    let copy = refused(
        app.get("/patrons/card/000002", Some(staff)),
        422,
        "item_not_card",
    );
    assert_eq!(copy.body["params"]["card_number"], "000002");
    let unknown = refused(
        app.get("/patrons/card/P999999", Some(staff)),
        404,
        "unknown_card",
    );
    assert!(detail(&unknown).contains("P999999"));
    app.get("/patrons/9999", Some(staff)).expect(404);
}
