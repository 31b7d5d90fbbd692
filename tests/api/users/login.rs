//! Logging in, and the tokens it hands out: bad ones are refused, the secret survives a restart.

use crate::common::{Payload, TestApp, PASSWORD};
use rocket::http::Method;
use serde_json::{json, Value};

// ---------------------------------------------------------------- login

#[test]
fn login_by_email_or_username_gives_a_bearer_token() {
    let app = TestApp::new();
    app.register("anna");
    let reply = app
        .post(
            "/users/login",
            None,
            json!({"email": "ANNA@example.org", "password": PASSWORD}),
        )
        .expect(200);
    assert_eq!(reply.body["message"], "LOGIN SUCCESS");
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 86400);
    assert_eq!(reply.result()["username"], "anna");
    let token = reply.body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    app.get("/users/me", Some(token)).expect(200);
    let form = vec![
        ("username".to_string(), "Anna".to_string()),
        ("password".to_string(), PASSWORD.to_string()),
    ];
    let reply = app
        .send(Method::Post, "/users/login", None, Payload::Form(form))
        .expect(200);
    assert!(reply.body["access_token"].is_string());
}

#[test]
fn wrong_password_and_unknown_account_are_the_same_401() {
    let app = TestApp::new();
    app.register("anna");
    let wrong = app
        .post(
            "/users/login",
            None,
            json!({"email": "anna@example.org", "password": "not-the-password"}),
        )
        .expect(401);
    let unknown = app
        .post(
            "/users/login",
            None,
            json!({"email": "nobody@example.org", "password": "not-the-password"}),
        )
        .expect(401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(
        wrong.body,
        json!({"message": "ACCESS UNAUTHORIZED", "status": 401})
    );
    app.post("/users/login", None, json!({"password": PASSWORD}))
        .expect_field_error(400, "email");
    app.post("/users/login", None, json!({"email": "anna@example.org"}))
        .expect_field_error(400, "password");
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": "p".repeat(73)}),
    )
    .expect_field_error(400, "password");
}

// ---------------------------------------------------------------- tokens

fn sign(claims: Value, secret: &str, alg: jsonwebtoken::Algorithm) -> String {
    library_server::auth::jwt::hmac_only::install();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn bad_tokens_are_401() {
    let app = TestApp::with(|mut c| {
        c.jwt_secret = Some("test-secret".into());
        c
    });
    let (id, token) = app.user("anna");
    app.get("/users/me", Some(&token)).expect(200);

    let reply = app.get("/users/me", None).expect(401);
    assert_eq!(reply.header("WWW-Authenticate"), Some("Bearer"));
    app.get("/users/me", Some("junk")).expect(401);
    app.get("/users/me", Some("a.b.c")).expect(401);
    app.get("/users/me", Some(&"x".repeat(5000))).expect(401);

    // Tampered: the payload changed, the signature kept.
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = parts[1].to_string();
    let last = payload.pop().unwrap();
    payload.push(if last == 'A' { 'B' } else { 'A' });
    app.get(
        "/users/me",
        Some(&format!("{}.{}.{}", parts[0], payload, parts[2])),
    )
    .expect(401);

    // alg none, and a different HMAC than the server's. A token names the account's key.
    let key: String = app
        .sql()
        .query_row("SELECT token_key FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    let claims =
        json!({"sub": id.to_string(), "ver": 0, "key": key, "iat": now(), "exp": now() + 600});
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let body = sign(
        claims.clone(),
        "test-secret",
        jsonwebtoken::Algorithm::HS256,
    );
    let payload = body.split('.').nth(1).unwrap();
    app.get("/users/me", Some(&format!("{none_header}.{payload}.")))
        .expect(401);
    app.get(
        "/users/me",
        Some(&sign(
            claims.clone(),
            "test-secret",
            jsonwebtoken::Algorithm::HS512,
        )),
    )
    .expect(401);
    app.get(
        "/users/me",
        Some(&sign(
            claims.clone(),
            "another-secret",
            jsonwebtoken::Algorithm::HS256,
        )),
    )
    .expect(401);
    // The right key and algorithm are accepted…
    app.get(
        "/users/me",
        Some(&sign(claims, "test-secret", jsonwebtoken::Algorithm::HS256)),
    )
    .expect(200);
    // …but not once expired.
    let expired = json!({"sub": id.to_string(), "ver": 0, "key": key, "iat": now() - 7200, "exp": now() - 3600});
    app.get(
        "/users/me",
        Some(&sign(
            expired,
            "test-secret",
            jsonwebtoken::Algorithm::HS256,
        )),
    )
    .expect(401);
    // A token for a user who does not exist.
    let ghost = json!({"sub": "999", "ver": 0, "iat": now(), "exp": now() + 600});
    app.get(
        "/users/me",
        Some(&sign(ghost, "test-secret", jsonwebtoken::Algorithm::HS256)),
    )
    .expect(401);
}

#[test]
fn the_seed_clients_access_token_header_is_accepted() {
    let app = TestApp::new();
    let (_, token) = app.user("anna");
    let response = app
        .client
        .get("/users/me")
        .header(rocket::http::Header::new("access_token", token))
        .dispatch();
    assert_eq!(response.status().code, 200);
}

#[test]
fn the_generated_secret_survives_a_restart() {
    let app = TestApp::new();
    let (_, token) = app.user("anna");
    let settings = library_server::config::Settings::load(
        library_server::config::Config::figment()
            .merge(("database", app.db_path()))
            .merge(("data_dir", app.data_dir())),
    )
    .unwrap();
    let db = library_server::db::Db::open(&app.db_path()).unwrap();
    let second =
        rocket::local::blocking::Client::tracked(library_server::build(settings, db).unwrap())
            .unwrap();
    let response = second
        .get("/users/me")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .dispatch();
    assert_eq!(response.status().code, 200);
}
