//! A copy's status by hand — in repair, missing, withdrawn, lost and found — and the
//! book's `copies` and `available` following its items, `PATCH copies` included.

use super::*;

#[test]
fn status_by_hand_moves_the_counts_and_lending_statuses_are_refused() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 3);
    let first = item_id(app, "000001");
    let path = format!("/items/{first}");
    let repair = app
        .patch(&path, Some(staff), json!({"status": "in_repair"}))
        .expect(200);
    assert_eq!(repair.result()["status"], "in_repair");
    assert_eq!(
        counts(app, id),
        (3, 2),
        "in repair: a copy, not on the shelf"
    );
    app.patch(&path, Some(staff), json!({"status": "missing"}))
        .expect(200);
    assert_eq!(counts(app, id), (2, 2), "missing: not counted");
    let before = snapshot(app);
    for status in ["on_loan", "on_hold_shelf"] {
        app.patch(&path, Some(staff), json!({"status": status}))
            .expect_field_error(400, "status");
    }
    app.patch(&path, Some(staff), json!({"status": "gone"}))
        .expect(400);
    assert_eq!(snapshot(app), before);
    app.patch(&path, Some(staff), json!({"status": "available"}))
        .expect(200);
    assert_eq!(counts(app, id), (3, 3));
}

#[test]
fn withdrawing_a_copy_keeps_it_on_record_but_not_one_on_loan() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    let shelf = item_id(app, "000002");
    let gone = app
        .delete(&format!("/items/{shelf}"), Some(staff))
        .expect(200);
    assert_eq!(gone.body["message"], "WITHDRAW ITEM SUCCESS");
    assert_eq!(gone.result()["status"], "withdrawn");
    assert_eq!(counts(app, id), (1, 1));
    let listed = items(app, staff, id);
    assert_eq!(listed.len(), 2, "a withdrawn copy stays on record");
    assert_eq!(listed[1]["status"], "withdrawn");

    let loan = lend(app, staff, "000001", &d.ana.card);
    let out = item_id(app, "000001");
    let before = snapshot(app);
    let reply = refused(
        app.delete(&format!("/items/{out}"), Some(staff)),
        409,
        "item_on_loan",
    );
    assert_eq!(reply.body["params"]["barcode"], "000001");
    assert!(detail(&reply).contains("000001"), "{}", reply.body);
    assert_eq!(snapshot(app), before);
    assert_eq!(status(app, "000001"), "on_loan");
    assert_eq!(
        open_loans_of(app, "000001"),
        [(loan["id"].as_i64().unwrap(), d.ana.id)]
    );
}

#[test]
fn a_lost_copy_ends_its_loan_and_is_found_again() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    lend(app, staff, "000001", &d.ana.card);
    let out = item_id(app, "000001");
    let lost = app
        .post(&format!("/items/{out}/lost"), Some(staff), json!({}))
        .expect(200);
    assert_eq!(lost.body["message"], "MARK ITEM LOST SUCCESS");
    assert_eq!(lost.result()["status"], "lost");
    assert!(lost.result()["on_loan_to"].is_null());
    assert!(open_loans_of(app, "000001").is_empty(), "the loan ends");
    assert_eq!(counts(app, id), (1, 1));
    let found = app
        .post(&format!("/items/{out}/found"), Some(staff), json!({}))
        .expect(200);
    assert_eq!(found.body["message"], "MARK ITEM FOUND SUCCESS");
    assert_eq!(found.result()["status"], "available");
    assert_eq!(counts(app, id), (2, 2));
    let before = snapshot(app);
    let again = refused(
        app.post(&format!("/items/{out}/found"), Some(staff), json!({})),
        409,
        "not_lost",
    );
    assert_eq!(again.body["params"]["status"], "available");
    assert_eq!(snapshot(app), before);
}

#[test]
fn patch_copies_adds_and_withdraws_items_but_never_below_what_is_out() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    let path = format!("/books/{id}");
    let up = app
        .patch(&path, Some(staff), json!({"copies": 4}))
        .expect(200);
    assert_eq!(up.result()["copies"], 4);
    assert_eq!(up.result()["available"], 4);
    assert_eq!(
        barcodes(app, staff, id),
        ["000001", "000002", "000003", "000004"]
    );
    lend(app, staff, "000002", &d.ana.card);
    assert_eq!(counts(app, id), (4, 3));
    let down = app
        .patch(&path, Some(staff), json!({"copies": 1}))
        .expect(200);
    assert_eq!(down.result()["copies"], 1);
    assert_eq!(down.result()["available"], 0);
    let statuses: Vec<(String, String)> = items(app, staff, id)
        .iter()
        .map(|i| {
            (
                i["barcode"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("000001", "withdrawn"),
        ("000002", "on_loan"),
        ("000003", "withdrawn"),
        ("000004", "withdrawn"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(statuses, expected, "the copy out is never withdrawn");
    let before = snapshot(app);
    let reply = app
        .patch(&path, Some(staff), json!({"copies": 0}))
        .expect_field_error(409, "copies");
    assert!(
        reply.body["errors"]["copies"]
            .as_str()
            .unwrap()
            .contains("1 copy is out on loan"),
        "{}",
        reply.body
    );
    assert_eq!(snapshot(app), before);
    assert_eq!(counts(app, id), (1, 0));
    // Up again: new copies, with new barcodes; withdrawn ones stay withdrawn.
    app.patch(&path, Some(staff), json!({"copies": 2}))
        .expect(200);
    assert_eq!(barcodes(app, staff, id).last().unwrap(), "000005");
    assert_eq!(counts(app, id), (2, 1));
}

/// A copy kept on the hold shelf that is marked lost or withdrawn gives its reader back
/// their place in the queue; the next copy to come in goes to them.
#[test]
fn a_copy_on_the_hold_shelf_marked_lost_or_withdrawn_gives_the_reader_their_place_back() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 2);
    lend(app, staff, "000002", &d.ana.card);
    app.post(&format!("/books/{id}/holds"), Some(&d.ben.token), json!({}))
        .expect(201);
    assert_eq!(status(app, "000001"), "on_hold_shelf");
    let kept = item_id(app, "000001");
    for (method, path, gone) in [
        ("lost", format!("/items/{kept}/lost"), "lost"),
        ("withdraw", format!("/items/{kept}"), "withdrawn"),
    ] {
        let reply = match method {
            "lost" => app.post(&path, Some(staff), json!({})),
            _ => app.delete(&path, Some(staff)),
        };
        let reply = reply.expect(200);
        assert_eq!(reply.result()["status"], gone);
        assert!(reply.result()["held_for"].is_null());
        let hold = app.get("/holds", Some(&d.ben.token)).expect(200);
        assert_eq!(hold.result()[0]["status"], "waiting", "{method}");
        assert!(hold.result()[0]["item_id"].is_null(), "{method}");
        if method == "lost" {
            // Found again: straight back to the waiting reader.
            let found = app
                .post(&format!("/items/{kept}/found"), Some(staff), json!({}))
                .expect(200);
            assert_eq!(found.result()["status"], "on_hold_shelf");
            assert_eq!(found.result()["held_for"]["user_id"], d.ben.id);
        }
    }
    // The other copy comes back: it is the one the reader gets now.
    let back = app
        .post("/returns", Some(staff), json!({"barcode": "000002"}))
        .expect(200);
    assert_eq!(back.result()["next"], "hold_shelf");
    assert_eq!(back.result()["hold"]["user_id"], d.ben.id);
    assert_eq!(counts(app, id), (1, 0));
}

/// A ready hold past its pickup time no longer keeps the copy: the next scan lends it.
#[test]
fn a_lapsed_hold_frees_its_copy_for_the_next_scan() {
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let id = book(app, staff, "Dune", 1);
    app.post(&format!("/books/{id}/holds"), Some(&d.ben.token), json!({}))
        .expect(201);
    app.sql()
        .execute("UPDATE holds SET ready_until = unixepoch() - 60", [])
        .unwrap();
    assert_eq!(counts(app, id), (1, 1), "a lapsed hold keeps nothing");
    let lent = lend(app, staff, "000001", &d.ana.card);
    assert_eq!(lent["user_id"], d.ana.id);
    let hold: String = app
        .sql()
        .query_row("SELECT status FROM holds", [], |r| r.get(0))
        .unwrap();
    assert_eq!(hold, "expired");
}
