//! The reader's own account: a new password, and a reading history.

use super::*;

// ---- the reader's own account -----------------------------------------------------------

fn change_password(app: &TestApp, token: Option<&str>, body: Value) -> Reply {
    app.put("/users/me/password", token, body)
}

fn login(app: &TestApp, name: &str, password: &str) -> Reply {
    app.post(
        "/users/login",
        None,
        json!({"email": format!("{name}@example.org"), "password": password}),
    )
}

#[test]
fn a_member_changes_their_password_and_gets_a_new_token_as_the_old_ones_stop() {
    let app = TestApp::new();
    app.admin();
    let (id, token) = app.user("pat");
    let elsewhere = app.login("pat");
    let reply = change_password(
        &app,
        Some(&token),
        json!({"current_password": PASSWORD, "new_password": "a-new-secret-9"}),
    )
    .expect(200);
    let session = reply.result();
    assert_eq!(session["token_type"], "Bearer");
    assert!(
        session["expires_in"].as_u64().is_some_and(|s| s > 0),
        "{}",
        reply.body
    );
    let fresh = session["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    assert_ne!(fresh, token);

    // Every other session is signed out; the new token works.
    app.get("/users/me", Some(&token)).expect(401);
    app.get("/users/me", Some(&elsewhere)).expect(401);
    let me = app.get("/users/me", Some(&fresh)).expect(200);
    assert_eq!(me.result()["id"], id);
    login(&app, "pat", PASSWORD).expect(401);
    login(&app, "pat", "a-new-secret-9").expect(200);
    // The old token cannot change it again either.
    change_password(
        &app,
        Some(&token),
        json!({"current_password": "a-new-secret-9", "new_password": "third-secret-9"}),
    )
    .expect(401);
}

#[test]
fn a_wrong_current_password_is_refused_and_changes_nothing() {
    let app = TestApp::new();
    app.admin();
    let (_, token) = app.user("pat");
    let reply = change_password(
        &app,
        Some(&token),
        json!({"current_password": "not-my-password", "new_password": "a-new-secret-9"}),
    )
    .expect_field_error(403, "current_password");
    assert_eq!(reply.body["message"], "FORBIDDEN");
    assert_eq!(reply.body["code"], "wrong_password");
    assert!(reply.body["detail"].is_string());
    assert!(!reply.bytes.windows(14).any(|w| w == b"a-new-secret-9"));
    app.get("/users/me", Some(&token)).expect(200);
    login(&app, "pat", PASSWORD).expect(200);
    login(&app, "pat", "a-new-secret-9").expect(401);
}

#[test]
fn a_password_change_names_missing_short_or_unknown_fields_and_needs_a_token() {
    let app = TestApp::new();
    app.admin();
    let (_, token) = app.user("pat");
    let both = change_password(&app, Some(&token), json!({})).expect(400);
    assert!(
        both.body["errors"]["current_password"].is_string(),
        "{}",
        both.body
    );
    assert!(
        both.body["errors"]["new_password"].is_string(),
        "{}",
        both.body
    );
    change_password(
        &app,
        Some(&token),
        json!({"new_password": "a-new-secret-9"}),
    )
    .expect_field_error(400, "current_password");
    change_password(&app, Some(&token), json!({"current_password": PASSWORD}))
        .expect_field_error(400, "new_password");
    change_password(
        &app,
        Some(&token),
        json!({"current_password": PASSWORD, "new_password": "seven77"}),
    )
    .expect_field_error(400, "new_password");
    change_password(
        &app,
        Some(&token),
        json!({"current_password": PASSWORD, "new_password": "é".repeat(37)}),
    )
    .expect_field_error(400, "new_password");
    change_password(
        &app,
        Some(&token),
        json!({"current_password": PASSWORD, "new_password": "a-new-secret-9", "confirm": "x"}),
    )
    .expect_field_error(400, "confirm");
    change_password(
        &app,
        Some(&token),
        json!({"current_password": PASSWORD, "new_password": 12345678}),
    )
    .expect_field_error(400, "new_password");
    change_password(
        &app,
        None,
        json!({"current_password": PASSWORD, "new_password": "a-new-secret-9"}),
    )
    .expect(401);
    // None of these changed it.
    app.get("/users/me", Some(&token)).expect(200);
    login(&app, "pat", PASSWORD).expect(200);
}

#[test]
fn a_member_keeps_a_reading_history_only_where_the_library_allows_it() {
    let (app, admin, _, member) = library();
    let path = "/users/me/reading-history";
    let found = app.get(path, Some(&member)).expect(200);
    assert_eq!(found.result(), &json!({"allowed": false, "keeping": false}));

    let refused = app
        .put(path, Some(&member), json!({"keep": true}))
        .expect_field_error(403, "keep");
    assert_eq!(refused.body["code"], "reading_history_off");
    assert!(refused.body["detail"].is_string());
    // Stopping is always allowed.
    let off = app
        .put(path, Some(&member), json!({"keep": false}))
        .expect(200);
    assert_eq!(off.result(), &json!({"allowed": false, "keeping": false}));
    assert_eq!(
        app.get(path, Some(&member)).expect(200).result(),
        &json!({"allowed": false, "keeping": false})
    );

    settings(&app, &admin, json!({"reading_history": true}));
    assert_eq!(
        app.get(path, Some(&member)).expect(200).result(),
        &json!({"allowed": true, "keeping": false})
    );
    let on = app
        .put(path, Some(&member), json!({"keep": true}))
        .expect(200);
    assert_eq!(on.result(), &json!({"allowed": true, "keeping": true}));
    assert_eq!(
        app.get(path, Some(&member)).expect(200).result(),
        &json!({"allowed": true, "keeping": true})
    );
    // Each member's own choice.
    let (_, other) = app.user("other_reader");
    assert_eq!(
        app.get(path, Some(&other)).expect(200).result(),
        &json!({"allowed": true, "keeping": false})
    );
    let stop = app
        .put(path, Some(&member), json!({"keep": false}))
        .expect(200);
    assert_eq!(stop.result(), &json!({"allowed": true, "keeping": false}));
}

#[test]
fn the_reading_history_choice_is_checked_and_needs_a_token() {
    let (app, admin, _, member) = library();
    settings(&app, &admin, json!({"reading_history": true}));
    let path = "/users/me/reading-history";
    app.get(path, None).expect(401);
    app.put(path, None, json!({"keep": true})).expect(401);
    app.put(path, Some("junk"), json!({"keep": true}))
        .expect(401);
    app.put(path, Some(&member), json!({}))
        .expect_field_error(400, "keep");
    app.put(path, Some(&member), json!({"keep": "maybe"}))
        .expect_field_error(400, "keep");
    app.put(path, Some(&member), json!({"keep": true, "forever": true}))
        .expect_field_error(400, "forever");
    assert_eq!(
        app.get(path, Some(&member)).expect(200).result()["keeping"],
        false
    );
}

#[test]
fn with_no_days_of_history_only_members_keeping_one_still_see_their_returned_loans() {
    let (app, admin, librarian, keeper) = library();
    let (_, forgetter) = app.user("forgetter");
    settings(
        &app,
        &admin,
        json!({"reading_history": true, "loan_history_days": 0}),
    );
    app.put(
        "/users/me/reading-history",
        Some(&keeper),
        json!({"keep": true}),
    )
    .expect(200);
    let first = plain_book(&app, &librarian, "Kept", 1);
    let second = plain_book(&app, &librarian, "Forgotten", 1);
    let kept = borrow(&app, &keeper, first);
    let forgotten = borrow(&app, &forgetter, second);
    for (token, loan) in [(&keeper, kept), (&forgetter, forgotten)] {
        app.post(&format!("/loans/{loan}/return"), Some(token), json!({}))
            .expect(200);
    }
    // What the minute's sweep does, done now by a settings change.
    settings(&app, &admin, json!({"loan_history_days": 0}));

    let mine = app.get("/loans?status=returned", Some(&keeper)).expect(200);
    assert_eq!(loan_ids(&mine), vec![kept]);
    assert_eq!(mine.body["meta"]["total"], 1);
    let theirs = app
        .get("/loans?status=returned", Some(&forgetter))
        .expect(200);
    assert_eq!(loan_ids(&theirs), Vec::<i64>::new());
    // Staff see both loans, the forgotten one with no reader.
    let all = app
        .get("/loans?status=returned", Some(&librarian))
        .expect(200);
    let mut ids = loan_ids(&all);
    ids.sort();
    assert_eq!(ids, vec![kept, forgotten]);
    let forgotten_loan = app
        .get(&format!("/loans/{forgotten}"), Some(&librarian))
        .expect(200);
    assert!(forgotten_loan.result()["user_id"].is_null());
    let kept_loan = app
        .get(&format!("/loans/{kept}"), Some(&keeper))
        .expect(200);
    assert!(kept_loan.result()["user_id"].is_number());
}

#[test]
fn a_kept_history_is_anonymised_once_the_member_or_the_library_stops_keeping_it() {
    let (app, admin, librarian, keeper) = library();
    let (_, second) = app.user("second_keeper");
    settings(
        &app,
        &admin,
        json!({"reading_history": true, "loan_history_days": 0}),
    );
    let mut loans = Vec::new();
    for (token, title) in [(&keeper, "One"), (&second, "Two")] {
        app.put(
            "/users/me/reading-history",
            Some(token),
            json!({"keep": true}),
        )
        .expect(200);
        let loan = borrow(&app, token, plain_book(&app, &librarian, title, 1));
        app.post(&format!("/loans/{loan}/return"), Some(token), json!({}))
            .expect(200);
        loans.push(loan);
    }
    settings(&app, &admin, json!({"loan_history_days": 0}));
    for (token, loan) in [(&keeper, loans[0]), (&second, loans[1])] {
        let mine = app.get("/loans?status=returned", Some(token)).expect(200);
        assert_eq!(loan_ids(&mine), vec![loan]);
    }

    // The member stops: their history goes at once, the other's stays.
    app.put(
        "/users/me/reading-history",
        Some(&keeper),
        json!({"keep": false}),
    )
    .expect(200);
    let gone = app.get("/loans?status=returned", Some(&keeper)).expect(200);
    assert_eq!(loan_ids(&gone), Vec::<i64>::new());
    let kept = app.get("/loans?status=returned", Some(&second)).expect(200);
    assert_eq!(loan_ids(&kept), vec![loans[1]]);

    // The library stops: every history goes, though the member's choice is remembered.
    settings(&app, &admin, json!({"reading_history": false}));
    let gone = app.get("/loans?status=returned", Some(&second)).expect(200);
    assert_eq!(loan_ids(&gone), Vec::<i64>::new());
    assert_eq!(
        app.get("/users/me/reading-history", Some(&second))
            .expect(200)
            .result(),
        &json!({"allowed": false, "keeping": true})
    );
}

#[test]
fn a_kept_history_stays_while_the_library_keeps_loan_history_for_good() {
    let (app, admin, librarian, member) = library();
    let (_, keeper) = app.user("keeper");
    settings(&app, &admin, json!({"reading_history": true}));
    app.put(
        "/users/me/reading-history",
        Some(&keeper),
        json!({"keep": true}),
    )
    .expect(200);
    let mut loans = Vec::new();
    for (token, title) in [(&member, "One"), (&keeper, "Two")] {
        let loan = borrow(&app, token, plain_book(&app, &librarian, title, 1));
        app.post(&format!("/loans/{loan}/return"), Some(token), json!({}))
            .expect(200);
        loans.push(loan);
    }
    // No `loan_history_days`: nobody's history is cut, keeping or not.
    app.put(
        "/users/me/reading-history",
        Some(&keeper),
        json!({"keep": false}),
    )
    .expect(200);
    settings(&app, &admin, json!({"reading_history": false}));
    for (token, loan) in [(&member, loans[0]), (&keeper, loans[1])] {
        let mine = app.get("/loans?status=returned", Some(token)).expect(200);
        assert_eq!(loan_ids(&mine), vec![loan]);
    }
}

/// The finished mails in the outbox.
fn mails(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir().join("outbox"))
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                .map(|path| std::fs::read_to_string(path).expect("mail"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_password_change_spends_the_reset_links_mailed_before_it() {
    let app = TestApp::new();
    app.admin();
    let (_, token) = app.user("pat");
    app.post(
        "/users/password/forgot",
        None,
        json!({"email": "pat@example.org"}),
    )
    .expect(200);
    // The mail is written beside the answer, not before it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while mails(&app).is_empty() {
        assert!(std::time::Instant::now() < deadline, "no reset mail");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mail = crate::common::quoted_printable_decode(&mails(&app).concat());
    let at = mail.find("reset-password?token=").expect("a link") + 21;
    let reset_token: String = mail[at..].chars().take(64).collect();
    change_password(
        &app,
        Some(&token),
        json!({"current_password": PASSWORD, "new_password": "a-new-secret-9"}),
    )
    .expect(200);
    // The link would otherwise set the password back behind the member's back.
    app.post(
        "/users/password/reset",
        None,
        json!({"token": reset_token, "password": "an-old-link-99"}),
    )
    .expect_field_error(400, "token");
    login(&app, "pat", "a-new-secret-9").expect(200);
    login(&app, "pat", "an-old-link-99").expect(401);
}

#[test]
fn wrong_current_passwords_are_throttled_like_failed_logins() {
    let (app, _, _, member) = library_with(|config| Config {
        login_max_failures: 3,
        ..config
    });
    for _ in 0..3 {
        change_password(
            &app,
            Some(&member),
            json!({"current_password": "a-wrong-guess", "new_password": "a-new-secret-9"}),
        )
        .expect(403);
    }
    let reply = change_password(
        &app,
        Some(&member),
        json!({"current_password": PASSWORD, "new_password": "a-new-secret-9"}),
    )
    .expect(429);
    assert_eq!(reply.body["message"], "TOO MANY REQUESTS");
    assert!(reply.header("Retry-After").is_some());
    // The same count as logins: signing in from here waits too, and nothing changed.
    login(&app, "borrower_ann", PASSWORD).expect(429);
    app.get("/users/me", Some(&member)).expect(200);
}

#[test]
fn the_page_lists_a_readers_own_holds_and_loans_even_for_staff() {
    let (app, _, librarian, member) = library();
    let member_id = app.get("/users/me", Some(&member)).expect(200).result()["id"]
        .as_i64()
        .expect("id");
    let librarian_id = app.get("/users/me", Some(&librarian)).expect(200).result()["id"]
        .as_i64()
        .expect("id");
    let first = plain_book(&app, &librarian, "First", 1);
    let second = plain_book(&app, &librarian, "Second", 1);
    // The member has both books, one after the other; the librarian holds the first.
    let older = borrow(&app, &member, first);
    let newer = borrow(&app, &member, second);
    app.post(
        &format!("/books/{first}/holds"),
        Some(&librarian),
        json!({}),
    )
    .expect(201);

    // Staff signed in on the page ask for their own: only theirs come back.
    let own = app.get(&format!("/holds?user_id={librarian_id}"), Some(&librarian));
    let own = own.expect(200);
    let holders: Vec<i64> = own
        .result()
        .as_array()
        .expect("a list")
        .iter()
        .map(|h| h["user_id"].as_i64().expect("user"))
        .collect();
    assert_eq!(holders, vec![librarian_id]);
    let theirs = app.get(&format!("/holds?user_id={member_id}"), Some(&librarian));
    assert!(theirs
        .expect(200)
        .result()
        .as_array()
        .expect("a list")
        .is_empty());
    // A member may name only themselves.
    app.get(&format!("/holds?user_id={librarian_id}"), Some(&member))
        .expect(403);
    app.get(&format!("/holds?user_id={member_id}"), Some(&member))
        .expect(200);
    app.get("/holds?user_id=zero", Some(&member))
        .expect_field_error(400, "user_id");

    // Loans: oldest first as always, newest first when asked (a reading history).
    let oldest_first = app.get(&format!("/loans?user_id={member_id}"), Some(&librarian));
    assert_eq!(loan_ids(&oldest_first.expect(200)), vec![older, newer]);
    let newest_first = app.get(
        &format!("/loans?user_id={member_id}&order=desc"),
        Some(&librarian),
    );
    assert_eq!(loan_ids(&newest_first.expect(200)), vec![newer, older]);
    app.get("/loans?order=sideways", Some(&member))
        .expect_field_error(400, "order");
}
