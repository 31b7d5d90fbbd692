//! What the page reads of the library: its settings, the members-only catalogue, a book's
//! copies and shelves, the language filter.

use super::*;

// ---- /reader-settings and /settings -----------------------------------------------------

#[test]
fn reader_settings_tell_anyone_the_pages_settings_and_languages() {
    let (app, admin, _, member) = library();
    let reply = app.get("/reader-settings", None).expect(200);
    assert_eq!(
        reply.result(),
        &json!({
            "catalogue_members_only": false,
            "reading_history": false,
            "kiosk_idle_seconds": 120,
            "languages": [{"code": "de", "name": "Deutsch"}, {"code": "en", "name": "English"}],
        })
    );
    settings(
        &app,
        &admin,
        json!({"catalogue_members_only": true, "reading_history": true, "kiosk_idle_seconds": 45}),
    );
    // Still for anyone: a members-only page needs it to show the sign-in.
    for token in [None, Some(member.as_str())] {
        let reply = app.get("/reader-settings", token).expect(200);
        assert_eq!(reply.result()["catalogue_members_only"], true);
        assert_eq!(reply.result()["reading_history"], true);
        assert_eq!(reply.result()["kiosk_idle_seconds"], 45);
        assert!(
            reply.result().get("search_engines_may_index").is_none(),
            "only what the page needs: {}",
            reply.body
        );
    }
}

#[test]
fn the_admin_sets_the_reader_page_settings_within_their_ranges() {
    let (app, admin, _, _) = library();
    let found = app.get("/settings", Some(&admin)).expect(200);
    let defaults = found.result();
    assert_eq!(defaults["catalogue_members_only"], false);
    assert_eq!(defaults["search_engines_may_index"], false);
    assert_eq!(defaults["reading_history"], false);
    assert_eq!(defaults["kiosk_idle_seconds"], 120);

    for secs in [10, 3600, 300] {
        let changed = settings(&app, &admin, json!({"kiosk_idle_seconds": secs}));
        assert_eq!(changed["kiosk_idle_seconds"], secs);
    }
    let all = settings(
        &app,
        &admin,
        json!({"catalogue_members_only": true, "search_engines_may_index": true,
               "reading_history": true}),
    );
    assert_eq!(all["catalogue_members_only"], true);
    assert_eq!(all["search_engines_may_index"], true);
    assert_eq!(all["reading_history"], true);
    assert_eq!(all["kiosk_idle_seconds"], 300, "left out, left alone");

    for bad in [
        json!(9),
        json!(3601),
        json!(0),
        json!(-120),
        json!("soon"),
        json!(12.5),
    ] {
        app.patch(
            "/settings",
            Some(&admin),
            json!({"kiosk_idle_seconds": bad}),
        )
        .expect_field_error(400, "kiosk_idle_seconds");
    }
    for field in [
        "catalogue_members_only",
        "search_engines_may_index",
        "reading_history",
    ] {
        for bad in [json!("maybe"), json!(1)] {
            let mut body = json!({});
            body[field] = bad;
            app.patch("/settings", Some(&admin), body)
                .expect_field_error(400, field);
        }
    }
    // A refused change changes nothing, not even the good fields beside the bad one.
    app.patch(
        "/settings",
        Some(&admin),
        json!({"reading_history": false, "kiosk_idle_seconds": 5}),
    )
    .expect_field_error(400, "kiosk_idle_seconds");
    let now = app.get("/settings", Some(&admin)).expect(200);
    assert_eq!(now.result()["reading_history"], true);
    assert_eq!(now.result()["kiosk_idle_seconds"], 300);

    // A form carries text: "false" and "30" are the boolean and number asked for.
    let form = app
        .send(
            Method::Patch,
            "/settings",
            Some(&admin),
            Payload::Form(vec![
                ("kiosk_idle_seconds".into(), "30".into()),
                ("reading_history".into(), "false".into()),
            ]),
        )
        .expect(200);
    assert_eq!(form.result()["kiosk_idle_seconds"], 30);
    assert_eq!(form.result()["reading_history"], false);
}

/// None of the new settings can be cleared, so null is refused as for the older ones
/// (`registration`, `members_see_names`) rather than taken for "left out".
#[test]
fn null_is_refused_for_every_reader_page_setting() {
    let (app, admin, _, _) = library();
    for field in [
        "catalogue_members_only",
        "search_engines_may_index",
        "reading_history",
        "kiosk_idle_seconds",
    ] {
        app.patch("/settings", Some(&admin), json!({ field: null }))
            .expect_field_error(400, field);
    }
}

#[test]
fn only_the_admin_sees_or_changes_the_reader_page_settings() {
    let (app, admin, librarian, member) = library();
    for token in [&librarian, &member] {
        app.get("/settings", Some(token)).expect(403);
        app.patch(
            "/settings",
            Some(token),
            json!({"catalogue_members_only": true}),
        )
        .expect(403);
    }
    app.get("/settings", None).expect(401);
    app.patch("/settings", None, json!({"kiosk_idle_seconds": 60}))
        .expect(401);
    let unchanged = app.get("/settings", Some(&admin)).expect(200);
    assert_eq!(unchanged.result()["catalogue_members_only"], false);
    assert_eq!(unchanged.result()["kiosk_idle_seconds"], 120);
}

// ---- the members-only catalogue ---------------------------------------------------------

#[test]
fn a_members_only_catalogue_answers_only_signed_in_readers_until_switched_off() {
    let (app, admin, librarian, member) = library();
    let book = add_book(&app, &librarian, dune());
    let paths = [
        "/books".to_string(),
        "/books?q=dune".to_string(),
        format!("/books/{book}"),
        "/books/isbn/9780441172719".to_string(),
        format!("/books/{book}/copies"),
    ];
    for path in &paths {
        app.get(path, None).expect(200);
    }
    settings(&app, &admin, json!({"catalogue_members_only": true}));
    for path in &paths {
        let refused = app.get(path, None).expect(401);
        assert_eq!(refused.body["message"], "ACCESS UNAUTHORIZED", "{path}");
        app.get(path, Some("not-a-token")).expect(401);
        for token in [&member, &librarian, &admin] {
            app.get(path, Some(token)).expect(200);
        }
    }
    let listed = app.get("/books", Some(&member)).expect(200);
    assert_eq!(titles(&listed), vec!["Dune"]);
    // An unknown book is still 401 first: nothing is told without a token.
    app.get("/books/99999", None).expect(401);
    app.get("/books/99999", Some(&member)).expect(404);
    app.get("/books/99999/copies", None).expect(401);

    settings(&app, &admin, json!({"catalogue_members_only": false}));
    for path in &paths {
        app.get(path, None).expect(200);
    }
}

#[test]
fn a_members_only_catalogue_survives_a_restart() {
    let (app, admin, librarian, _) = library();
    add_book(&app, &librarian, dune());
    settings(&app, &admin, json!({"catalogue_members_only": true}));
    let dir = app.dir.path().to_path_buf();
    let TestApp { client, dir: keep } = app;
    drop(client);
    let again = TestApp {
        client: rocket::local::blocking::Client::tracked(crate::common::server(
            crate::common::settings_in(&dir),
        ))
        .expect("client"),
        dir: keep,
    };
    again.get("/books", None).expect(401);
    let text = html(&ok_page(page(&again, "/book/1", &[])));
    assert!(!text.contains("Frank Herbert"));
}

// ---- a book's copies and shelves --------------------------------------------------------

#[test]
fn a_books_copies_show_shelf_status_and_due_date_but_no_barcode_or_borrower() {
    let (app, _, _, _, book, loan) = shelved_book();
    let reply = app.get(&format!("/books/{book}/copies"), None).expect(200);
    let expected = json!([
        {"location": "B2", "status": "on_loan", "due_at": loan["due_at"]},
        {"location": "H8", "status": "on_hold_shelf", "due_at": null},
        {"location": "Z9", "status": "available", "due_at": null},
        {"location": "A1", "status": "available", "due_at": null},
        {"location": "A1", "status": "available", "due_at": null},
        {"location": null, "status": "available", "due_at": null},
        {"location": "C3", "status": "in_repair", "due_at": null},
        {"location": "D4", "status": "in_transit", "due_at": null},
    ]);
    assert_eq!(reply.result(), &expected, "{}", reply.body);
    assert!(loan["due_at"].as_str().is_some_and(|d| d.ends_with(" GMT")));
    let text = String::from_utf8_lossy(&reply.bytes);
    for private in [
        "LOAN-1",
        "HOLD-1",
        "barcode",
        "borrower_ann",
        "second_reader",
        "user_id",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
}

#[test]
fn copies_of_an_unknown_book_are_404() {
    let (app, _, librarian, member) = library();
    let emptied = add_book(
        &app,
        &librarian,
        json!({"title": "Emma", "author": "Jane Austen", "copies": 0}),
    );
    let none = app
        .get(&format!("/books/{emptied}/copies"), None)
        .expect(200);
    assert_eq!(none.result(), &json!([]));
    for token in [None, Some(member.as_str())] {
        let reply = app.get("/books/99999/copies", token).expect(404);
        assert_eq!(reply.body["message"], "NOT FOUND");
    }
    for path in ["/books/abc/copies", "/books/0/copies", "/books/-1/copies"] {
        let reply = app.get(path, None);
        assert!(
            (400..500).contains(&reply.status),
            "{path}: {}",
            reply.status
        );
        assert_eq!(reply.body["status"], json!(reply.status), "{path}");
    }
}

#[test]
fn a_book_list_names_the_shelves_of_free_copies_and_a_single_book_does_not() {
    let (app, _, librarian, _, book, _) = shelved_book();
    let empty = add_book(
        &app,
        &librarian,
        json!({"title": "Emma", "author": "Jane Austen", "copies": 0}),
    );
    let listed = app.get("/books?per_page=100", None).expect(200);
    let find = |id: i64| -> Value {
        listed
            .result()
            .as_array()
            .expect("a list")
            .iter()
            .find(|b| b["id"] == id)
            .cloned()
            .expect("listed")
    };
    // Free copies only, each shelf once, in order; a copy with no shelf adds none.
    assert_eq!(find(book)["shelves"], json!(["A1", "Z9"]));
    assert_eq!(find(empty)["shelves"], json!([]));
    let one = app.get(&format!("/books/{book}"), None).expect(200);
    assert!(one.result().get("shelves").is_none(), "{}", one.body);
    assert_eq!(one.result()["title"], "Dune");

    // A shelf whose last free copy goes to repair is no longer named.
    let z9 = app
        .get(&format!("/books/{book}/items"), Some(&librarian))
        .expect(200)
        .result()
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["location"] == "Z9")
        .and_then(|i| i["id"].as_i64())
        .expect("the Z9 copy");
    app.patch(
        &format!("/items/{z9}"),
        Some(&librarian),
        json!({"status": "in_repair"}),
    )
    .expect(200);
    let again = app.get("/books?q=dune", None).expect(200);
    assert_eq!(
        again.result()[0]["shelves"],
        json!(["A1"]),
        "{}",
        again.body
    );
}

#[test]
fn books_are_filtered_by_language_in_any_letter_case() {
    let (app, _, librarian, _) = library();
    for (title, language) in [
        ("Dune", Some("en")),
        ("Momo", Some("de")),
        ("Der Prozess", Some("DE")),
        ("Der Zauberberg", Some("German")),
        ("Nameless", None),
    ] {
        let mut body = json!({"title": title, "author": "Someone"});
        if let Some(language) = language {
            body["language"] = json!(language);
        }
        add_book(&app, &librarian, body);
    }
    let german = app.get("/books?language=de", None).expect(200);
    assert_eq!(titles(&german), vec!["Der Prozess", "Momo"]);
    assert_eq!(german.body["meta"]["total"], 2);
    let upper = app.get("/books?language=DE", None).expect(200);
    assert_eq!(titles(&upper), vec!["Der Prozess", "Momo"]);
    let padded = app.get("/books?language=%20de%20", None).expect(200);
    assert_eq!(titles(&padded), vec!["Der Prozess", "Momo"]);
    let english = app.get("/books?language=EN", None).expect(200);
    assert_eq!(titles(&english), vec!["Dune"]);
    let named = app.get("/books?language=german", None).expect(200);
    assert_eq!(titles(&named), vec!["Der Zauberberg"]);
    // Exact: no prefix, no other language.
    for none in ["d", "fr", "deu"] {
        let reply = app
            .get(&format!("/books?language={none}"), None)
            .expect(200);
        assert_eq!(reply.result(), &json!([]), "{none}");
        assert_eq!(reply.body["meta"]["total"], 0);
    }
    // Blank is no filter; with other filters it narrows them.
    let all = app.get("/books?language=", None).expect(200);
    assert_eq!(all.body["meta"]["total"], 5);
    let both = app.get("/books?language=de&q=momo", None).expect(200);
    assert_eq!(titles(&both), vec!["Momo"]);
}

/// "Any letter case" holds for every alphabet a language's name is written in, not only
/// for A to Z.
#[test]
fn a_language_beyond_ascii_is_found_as_it_is_spelled() {
    // Letter case is ignored for A to Z only (SQLite's NOCASE, which the index uses): a
    // language written with other letters is found as the catalogue spells it.
    let (app, _, librarian, _) = library();
    add_book(
        &app,
        &librarian,
        json!({"title": "Krakatit", "author": "Karel Čapek", "language": "Čeština"}),
    );
    add_book(
        &app,
        &librarian,
        json!({"title": "Odysseia", "author": "Homer", "language": "Ελληνικά"}),
    );
    let same = app
        .get("/books?language=%C4%8Ce%C5%A1tina", None)
        .expect(200);
    assert_eq!(titles(&same), vec!["Krakatit"]);
    let ascii_case = app
        .get("/books?language=%C4%8CE%C5%A0TINA", None)
        .expect(200);
    assert!(titles(&ascii_case).is_empty(), "{}", ascii_case.body);
    let greek = app
        .get(
            "/books?language=%CE%95%CE%BB%CE%BB%CE%B7%CE%BD%CE%B9%CE%BA%CE%AC",
            None,
        )
        .expect(200);
    assert_eq!(titles(&greek), vec!["Odysseia"], "{}", greek.body);
}

#[test]
fn a_language_filter_longer_than_500_characters_is_refused() {
    let app = TestApp::new();
    let longest = "x".repeat(500);
    app.get(&format!("/books?language={longest}"), None)
        .expect(200);
    let reply = app
        .get(&format!("/books?language={longest}x"), None)
        .expect_field_error(400, "language");
    assert_eq!(reply.body["message"], "BAD REQUEST");
    app.get("/books?language=de&language=en", None).expect(400);
}
