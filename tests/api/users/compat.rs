//! The original Flask server's calls, replayed as its web client makes them: its paths,
//! form bodies, `access_token` header, messages, the reset by mailed code, and CORS.

use super::outbox;
use crate::common::{self, Part, Payload, Reply, TestApp, PASSWORD};
use library_server::config::CorsOrigins;
use rocket::http::Method;
use serde_json::{json, Value};

fn form(pairs: &[(&str, &str)]) -> Payload {
    Payload::Form(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// A call as the original client makes it: the token in the `access_token` header.
fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>, payload: Payload) -> Reply {
    let headers: Vec<(&str, &str)> = token.map(|t| ("access_token", t)).into_iter().collect();
    app.send_with(method, path, &headers, payload)
}

/// The claims of a token (its middle part, base64url JSON), read as any client can.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in payload.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {payload}"),
        };
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The code in the reset mail to `to` (waits for the mail, which goes after the reply).
fn code_mailed_to(app: &TestApp, to: &str) -> String {
    let code_line = regex::Regex::new(r"(?m)^\s+(\d{6,8})\s*$").unwrap();
    for _ in 0..100 {
        let mails = outbox(app);
        if let Some(mail) = mails.iter().find(|m| m.contains(&format!("To: {to}"))) {
            let text = common::quoted_printable_decode(mail);
            let code = code_line.captures(&text).expect("a code in the mail")[1].to_string();
            return code;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no reset mail to {to}");
}

fn request_reset(app: &TestApp, email: &str) -> Reply {
    call(
        app,
        Method::Post,
        "/users/requestResetPassword",
        None,
        form(&[("your_email", email)]),
    )
}

fn reset(app: &TestApp, token: &str, code: &str, password: &str, again: &str) -> Reply {
    call(
        app,
        Method::Put,
        "/users/reset_password",
        Some(token),
        form(&[
            ("OTP", code),
            ("new_password", password),
            ("confirm_new_password", again),
        ]),
    )
}

#[test]
fn the_original_readmes_calls_replay_in_order() {
    // The original's web client runs on its own origin: the browser asks first.
    let app = TestApp::with(|c| library_server::config::Config {
        cors_allowed_origins: CorsOrigins(vec!["http://localhost:3000".into()]),
        ..c
    });
    let asked = app.send_with(
        Method::Options,
        "/users/register",
        &[
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "POST"),
        ],
        Payload::None,
    );
    assert_eq!(asked.status, 204);
    assert_eq!(
        asked.header("Access-Control-Allow-Origin"),
        Some("http://localhost:3000")
    );
    // Register and log in, with forms, as the original README shows.
    let registered = call(
        &app,
        Method::Post,
        "/users/register",
        None,
        form(&[
            ("email", "jajabi2@mail.com"),
            ("password", PASSWORD),
            ("username", "tesu2"),
        ]),
    )
    .expect(201);
    assert_eq!(registered.body["message"], "REGISTER SUCCESS");
    let id = registered.result()["id"].as_i64().unwrap();
    app.register("other");
    let login = call(
        &app,
        Method::Post,
        "/users/login",
        None,
        form(&[("email", "jajabi2@mail.com"), ("password", PASSWORD)]),
    )
    .expect(200);
    let token = login.body["access_token"].as_str().unwrap().to_string();
    // The original's identity claims, without the e-mail address.
    let claims = claims(&token);
    let identity = json!({"userid": id, "username": "tesu2", "propic": "default.jpg"});
    assert_eq!(claims["identity"], identity, "{claims}");
    assert_eq!(claims["userid"], id);
    assert_eq!(claims["username"], "tesu2");
    assert_eq!(claims["propic"], "default.jpg");
    assert!(!claims.to_string().contains("mail.com"), "{claims}");

    let all = call(
        &app,
        Method::Get,
        "/users/getall",
        Some(&token),
        Payload::None,
    )
    .expect(200);
    assert_eq!(all.body["message"], "FETCH ALL SUCCESS");
    assert_eq!(all.body["status"], 200);
    let users = all.result().as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(|u| u.get("password").is_none()));
    assert!(users.iter().all(|u| u.get("password_hash").is_none()));

    let by_id = call(
        &app,
        Method::Get,
        &format!("/users/getById/{id}"),
        Some(&token),
        Payload::None,
    )
    .expect(200);
    assert_eq!(by_id.body["message"], "SUCCESS: GET BY ID");
    assert_eq!(by_id.result()["username"], "tesu2");
    assert_eq!(by_id.result()["email"], "jajabi2@mail.com");
    let missing = call(
        &app,
        Method::Get,
        "/users/getById/999",
        Some(&token),
        Payload::None,
    )
    .expect(404);
    assert_eq!(missing.body["message"], "NOT FOUND");

    let by_name = call(
        &app,
        Method::Get,
        "/users/getByUsername/TESU2",
        Some(&token),
        Payload::None,
    )
    .expect(200);
    assert_eq!(by_name.body["message"], "SUCCESS: GET BY USERNAME");
    assert_eq!(by_name.result()["id"], id);
    call(
        &app,
        Method::Get,
        "/users/getByUsername/nobody",
        Some(&token),
        Payload::None,
    )
    .expect(404);

    // A field the original client sends that this server does not know is ignored.
    let renamed = call(
        &app,
        Method::Put,
        "/users/changeUsername",
        Some(&token),
        form(&[
            ("current_username", "tesu2"),
            ("new_username", "tesu3"),
            ("submit", "Change"),
        ]),
    )
    .expect(200);
    assert_eq!(renamed.body["message"], "SUCCESS: UPDATE USERNAME");
    assert_eq!(renamed.result()["username"], "tesu3");
    assert_eq!(renamed.result()["id"], id);
    let not_mine = call(
        &app,
        Method::Put,
        "/users/changeUsername",
        Some(&token),
        form(&[("current_username", "other"), ("new_username", "stolen")]),
    );
    not_mine.expect_field_error(400, "current_username");
    // JSON bodies work too.
    let back = call(
        &app,
        Method::Put,
        "/users/changeUsername",
        Some(&token),
        Payload::Json(json!({"current_username": "TESU3", "new_username": "tesu2"})),
    )
    .expect(200);
    assert_eq!(back.result()["username"], "tesu2");

    let picture = call(
        &app,
        Method::Put,
        "/users/updatePropic",
        Some(&token),
        Payload::Multipart(vec![
            Part::text("note", "ignored"),
            Part::file("propic_new", "me.png", common::png(40, 30)),
        ]),
    )
    .expect(200);
    assert_eq!(picture.body["message"], "SUCCESS: UPDATE PROPIC");
    let file = picture.result()["image_file"].as_str().unwrap().to_string();
    assert_ne!(file, "default.jpg");
    let served = app.get(&format!("/static/propics/{file}"), None);
    assert_eq!(served.status, 200);
    assert!(served.content_type.unwrap().starts_with("image/"));
    assert!(image::load_from_memory(&served.bytes).is_ok());
    assert_eq!(app.get("/static/propics/default.jpg", None).status, 200);
    app.get("/static/propics/nothing.png", None).expect(404);
    let wrong_field = call(
        &app,
        Method::Put,
        "/users/updatePropic",
        Some(&token),
        Payload::Multipart(vec![Part::file("image", "me.png", common::png(4, 4))]),
    );
    wrong_field.expect_field_error(400, "propic_new");

    // The reset: the answer's token names the request; the code comes by mail.
    let asked = request_reset(&app, "jajabi2@mail.com").expect(200);
    assert_eq!(asked.body["message"], "Reset Instructions Sent.");
    let reset_token = asked.body["access_token"].as_str().unwrap().to_string();
    let code = code_mailed_to(&app, "jajabi2@mail.com");
    assert!(
        !reset_token.contains(&code),
        "the token must not carry the code"
    );
    let wrong = if code == "12345678" {
        "87654321"
    } else {
        "12345678"
    };
    let refused = reset(
        &app,
        &reset_token,
        wrong,
        "new-password-1",
        "new-password-1",
    )
    .expect(401);
    assert_eq!(refused.body["message"], "OTP not match");
    let differ = reset(
        &app,
        &reset_token,
        &code,
        "new-password-1",
        "new-password-2",
    )
    .expect(400);
    assert_eq!(differ.body["message"], "Passwords don't match");
    // In JSON the code may come as a number.
    let as_number = call(
        &app,
        Method::Put,
        "/users/reset_password",
        Some(&reset_token),
        Payload::Json(json!({
            "OTP": code.parse::<u64>().unwrap(),
            "new_password": "new-password-1",
            "confirm_new_password": "new-password-2",
        })),
    )
    .expect(400);
    assert_eq!(as_number.body["message"], "Passwords don't match");
    let done = reset(
        &app,
        &reset_token,
        &code,
        "new-password-1",
        "new-password-1",
    )
    .expect(200);
    assert_eq!(
        done.body,
        json!({"message": "Password reset success.", "status": 200})
    );
    // Single use; the old session is over; the new password opens the account.
    reset(
        &app,
        &reset_token,
        &code,
        "new-password-9",
        "new-password-9",
    )
    .expect(401);
    call(
        &app,
        Method::Get,
        "/users/getall",
        Some(&token),
        Payload::None,
    )
    .expect(401);
    call(
        &app,
        Method::Post,
        "/users/login",
        None,
        form(&[
            ("email", "jajabi2@mail.com"),
            ("password", "new-password-1"),
        ]),
    )
    .expect(200);
}

#[test]
fn reads_need_a_token_and_follow_the_privacy_settings() {
    let app = TestApp::new();
    let (admin_id, admin) = app.admin();
    let (ann_id, ann) = app.user("ann");
    for path in [
        "/users/getall".to_string(),
        format!("/users/getById/{ann_id}"),
        "/users/getByUsername/ann".to_string(),
    ] {
        call(&app, Method::Get, &path, None, Payload::None).expect(401);
        call(&app, Method::Get, &path, Some("not.a.token"), Payload::None).expect(401);
    }
    // A member sees themself, not others (unless the library lets members see names).
    call(
        &app,
        Method::Get,
        "/users/getall",
        Some(&ann),
        Payload::None,
    )
    .expect(403);
    call(
        &app,
        Method::Get,
        &format!("/users/getById/{admin_id}"),
        Some(&ann),
        Payload::None,
    )
    .expect(403);
    let own = call(
        &app,
        Method::Get,
        &format!("/users/getById/{ann_id}"),
        Some(&ann),
        Payload::None,
    )
    .expect(200);
    assert_eq!(own.result()["email"], "ann@example.org");
    // Staff see everyone; the e-mail of others only because they are staff.
    let all = call(
        &app,
        Method::Get,
        "/users/getall",
        Some(&admin),
        Payload::None,
    )
    .expect(200);
    assert_eq!(all.result().as_array().unwrap().len(), 2);
    // Without a token, nothing changes.
    call(
        &app,
        Method::Put,
        "/users/changeUsername",
        None,
        form(&[("current_username", "ann"), ("new_username", "anne")]),
    )
    .expect(401);
    call(
        &app,
        Method::Put,
        "/users/changeUsername",
        Some(&ann),
        form(&[("current_username", "ann")]),
    )
    .expect_field_error(400, "new_username");
    call(
        &app,
        Method::Put,
        "/users/changeUsername",
        Some(&ann),
        form(&[("current_username", "ann"), ("new_username", "admin")]),
    )
    .expect(409);
}

#[test]
fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let app = TestApp::new();
    app.user("ann");
    let unknown = request_reset(&app, "nobody@example.org").expect(200);
    let keys: Vec<&String> = unknown.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["access_token", "message", "status"]);
    assert_eq!(unknown.body["message"], "Reset Instructions Sent.");
    let token = unknown.body["access_token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        outbox(&app).is_empty(),
        "no mail for an address with no account"
    );
    reset(&app, token, "12345678", "new-password-1", "new-password-1").expect(401);
    request_reset(&app, "not an address").expect_field_error(400, "your_email");
    call(
        &app,
        Method::Post,
        "/users/requestResetPassword",
        None,
        form(&[]),
    )
    .expect_field_error(400, "your_email");
}

#[test]
fn a_reset_token_opens_nothing_and_a_code_dies_after_wrong_tries() {
    let app = TestApp::new();
    let (_, ann_token) = app.user("ann");
    let token = request_reset(&app, "ann@example.org").expect(200).body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let code = code_mailed_to(&app, "ann@example.org");
    // Not an access token, and not a mailed link's token.
    app.get("/users/me", Some(&token)).expect(401);
    app.post(
        "/users/password/reset",
        None,
        json!({"token": token, "password": "new-password-1"}),
    )
    .expect_field_error(400, "token");
    // No token, or a malformed code, are refused before any code is counted.
    call(
        &app,
        Method::Put,
        "/users/reset_password",
        None,
        form(&[
            ("OTP", &code),
            ("new_password", "new-password-1"),
            ("confirm_new_password", "new-password-1"),
        ]),
    )
    .expect(401);
    reset(&app, &token, "12ab", "new-password-1", "new-password-1").expect_field_error(400, "OTP");
    // A password the rules refuse, with the right code, leaves the request open.
    reset(&app, &token, &code, "short", "short").expect_field_error(400, "new_password");
    let wrong = if code == "12345678" {
        "87654321"
    } else {
        "12345678"
    };
    for _ in 0..5 {
        reset(&app, &token, wrong, "new-password-1", "new-password-1").expect(401);
    }
    // Five wrong codes spent it: the right one no longer works.
    reset(&app, &token, &code, "new-password-1", "new-password-1").expect(401);
    app.get("/users/me", Some(&ann_token)).expect(200);
    // An expired request is as dead.
    let again = request_reset(&app, "ann@example.org").expect(200).body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The spent request's mail is pruned when the next one is made.
    let first = code;
    let mut code = first.clone();
    for _ in 0..100 {
        let mails = outbox(&app);
        if mails.len() == 1 {
            code = code_mailed_to(&app, "ann@example.org");
            if code != first {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_ne!(code, first, "one mail, the new request's");
    app.sql()
        .execute("UPDATE password_resets SET expires_at = 0", [])
        .unwrap();
    reset(&app, &again, &code, "new-password-1", "new-password-1").expect(401);
}

fn preflight(app: &TestApp, origin: &str) -> Reply {
    app.send_with(
        Method::Options,
        "/users/getall",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "access_token"),
        ],
        Payload::None,
    )
}

#[test]
fn cors_lets_the_named_origins_call_and_no_one_else() {
    let origins = |list: &[&str]| CorsOrigins(list.iter().map(|o| o.to_string()).collect());
    let app = TestApp::with(|c| library_server::config::Config {
        cors_allowed_origins: origins(&["http://client.example:3000"]),
        ..c
    });
    let (_, admin) = app.admin();
    let allowed = preflight(&app, "http://client.example:3000");
    assert_eq!(allowed.status, 204);
    assert_eq!(
        allowed.header("Access-Control-Allow-Origin"),
        Some("http://client.example:3000")
    );
    let headers = allowed
        .header("Access-Control-Allow-Headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("access_token") && headers.contains("authorization"));
    assert!(allowed
        .header("Access-Control-Allow-Methods")
        .unwrap()
        .contains("PUT"));
    assert_eq!(allowed.header("Access-Control-Allow-Credentials"), None);
    assert!(allowed.bytes.is_empty());
    // The call itself carries the header the browser checks.
    let answered = app.send_with(
        Method::Get,
        "/users/getall",
        &[
            ("Origin", "http://client.example:3000"),
            ("access_token", &admin),
        ],
        Payload::None,
    );
    let answered = answered.expect(200);
    assert_eq!(
        answered.header("Access-Control-Allow-Origin"),
        Some("http://client.example:3000")
    );
    assert_eq!(answered.header("Vary"), Some("Origin"));
    assert_eq!(answered.header("Access-Control-Allow-Credentials"), None);
    // Another origin gets no such header: its page cannot read the answer.
    let stranger = preflight(&app, "http://evil.example");
    assert_eq!(stranger.header("Access-Control-Allow-Origin"), None);
    let read = app.send_with(
        Method::Get,
        "/books",
        &[("Origin", "http://evil.example")],
        Payload::None,
    );
    assert_eq!(read.expect(200).header("Access-Control-Allow-Origin"), None);

    let any = TestApp::with(|c| library_server::config::Config {
        cors_allowed_origins: origins(&["*"]),
        ..c
    });
    let open = preflight(&any, "http://anywhere.example");
    assert_eq!(open.status, 204);
    assert_eq!(open.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(open.header("Access-Control-Allow-Credentials"), None);
}

#[test]
fn without_cors_origins_nothing_changes() {
    let app = TestApp::new();
    let refused = preflight(&app, "http://client.example:3000").expect(405);
    assert_eq!(refused.header("Access-Control-Allow-Origin"), None);
    let read = app.send_with(
        Method::Get,
        "/books",
        &[("Origin", "http://client.example:3000")],
        Payload::None,
    );
    assert_eq!(read.expect(200).header("Access-Control-Allow-Origin"), None);
}

/// A database made by the release before reset codes (`library-server demo`, schema 9).
const PREVIOUS_RELEASE: &str = "tests/fixtures/release-96b37f9.db";

#[test]
fn the_previous_release_database_keeps_its_resets_and_takes_codes() {
    let old = tempfile::tempdir().unwrap();
    let path = old.path().join("library.db");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PREVIOUS_RELEASE),
        &path,
    )
    .unwrap();
    let users_before: i64 = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 9, "the fixture is the previous release's schema");
        // A mailed link waiting to be used, as that release stored it.
        conn.execute(
            "INSERT INTO password_resets (user_id, token_hash, expires_at)
             VALUES (3, 'a-links-token-hash', unixepoch() + 600)",
            [],
        )
        .unwrap();
        conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
            .unwrap()
    };
    let moved = path.clone();
    let app = TestApp::with(move |c| library_server::config::Config {
        database: moved,
        ..c
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, library_server::db::schema_version());
    let users: i64 = conn
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, users_before);
    // The link stays a link: no code asked of it.
    let link: (Option<String>, i64, Option<i64>) = conn
        .query_row(
            "SELECT code_hash, tries_left, used_at FROM password_resets
             WHERE token_hash = 'a-links-token-hash'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(link, (None, 0, None));
    // And the upgraded library takes a reset by code.
    let token = request_reset(&app, "maria.garcia@demo.library")
        .expect(200)
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let code = code_mailed_to(&app, "maria.garcia@demo.library");
    reset(&app, &token, &code, "new-password-1", "new-password-1").expect(200);
    app.post(
        "/users/login",
        None,
        json!({"email": "maria.garcia@demo.library", "password": "new-password-1"}),
    )
    .expect(200);
}
