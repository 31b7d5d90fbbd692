//! Registering: the answer, the first admin, every way a body or a value can be wrong.

use super::{count_users, outbox};
use crate::common::{Part, Payload, TestApp, PASSWORD};
use rocket::http::{ContentType, Method};
use serde_json::{json, Value};

fn is_http_date(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    httpdate::parse_http_date(text).is_ok() && text.ends_with(" GMT")
}

// ---------------------------------------------------------------- register

#[test]
fn register_answers_in_the_seed_shape_without_the_password() {
    let app = TestApp::new();
    let reply = app
        .post(
            "/users/register",
            None,
            json!({"email": "Jajabi2@Mail.com", "password": "password1", "username": "tesu2"}),
        )
        .expect(201);
    assert_eq!(reply.body["message"], "REGISTER SUCCESS");
    let user = reply.result();
    assert_eq!(user["email"], "jajabi2@mail.com");
    assert_eq!(user["username"], "tesu2");
    assert_eq!(user["image_file"], "default.jpg");
    assert!(user["id"].is_i64());
    assert!(is_http_date(&user["created_at"]) && is_http_date(&user["modified_at"]));
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert!(
        !reply.body.to_string().contains("$2b$"),
        "no hash may leave the server"
    );
    let stored: String = app
        .sql()
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(
        stored.starts_with("$2b$04$"),
        "bcrypt with the configured cost"
    );
}

#[test]
fn the_first_user_is_admin_and_later_ones_members() {
    let app = TestApp::new();
    assert_eq!(app.register("first")["role"], "admin");
    assert_eq!(app.register("second")["role"], "member");
}

#[test]
fn register_accepts_forms_and_multipart() {
    let app = TestApp::new();
    let form = vec![
        ("email".to_string(), "form@example.org".to_string()),
        ("username".to_string(), "former".to_string()),
        ("password".to_string(), PASSWORD.to_string()),
    ];
    app.send(Method::Post, "/users/register", None, Payload::Form(form))
        .expect(201);
    let parts = vec![
        Part::text("email", "multi@example.org"),
        Part::text("username", "multi"),
        Part::text("password", PASSWORD),
    ];
    let reply = app
        .send(
            Method::Post,
            "/users/register",
            None,
            Payload::Multipart(parts),
        )
        .expect(201);
    assert_eq!(reply.result()["username"], "multi");
    app.login("multi");
}

#[test]
fn register_names_every_missing_field() {
    let app = TestApp::new();
    let reply = app
        .post("/users/register", None, json!({}))
        .expect_field_error(400, "email");
    assert_eq!(reply.body["message"], "BAD REQUEST");
    assert!(reply.body["errors"]["username"].is_string());
    assert!(reply.body["errors"]["password"].is_string());
    // An empty body is the same as no fields.
    app.send(Method::Post, "/users/register", None, Payload::None)
        .expect_field_error(400, "password");
    assert_eq!(count_users(&app), 0);
}

#[test]
fn register_refuses_bad_values() {
    let app = TestApp::new();
    let cases = [
        (
            json!({"email": "", "username": "anna", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "not-an-email", "username": "anna", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "a@b", "username": "anna", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": 42, "username": "anna", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "anna@example.org", "username": "", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "anna@example.org", "username": "an", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "anna@example.org", "username": "an/na", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "anna@example.org", "username": "an na", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "anna@example.org", "username": "x".repeat(33), "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "anna@example.org", "username": ["anna"], "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "anna@example.org", "username": "anna", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "anna@example.org", "username": "anna", "password": "p".repeat(73)}),
            "password",
        ),
        (
            json!({"email": "anna@example.org", "username": "anna", "password": 12345678}),
            "password",
        ),
        (
            json!({"email": "x".repeat(5000), "username": "anna", "password": PASSWORD}),
            "email",
        ),
    ];
    for (body, field) in cases {
        app.post("/users/register", None, body.clone())
            .expect_field_error(400, field);
    }
    assert_eq!(
        count_users(&app),
        0,
        "no bad request may leave a row behind"
    );
}

#[test]
fn a_72_byte_password_works_and_is_not_truncated() {
    let app = TestApp::new();
    let long = "é".repeat(36); // 72 bytes
    app.post(
        "/users/register",
        None,
        json!({"email": "l@example.org", "username": "long", "password": long}),
    )
    .expect(201);
    app.post(
        "/users/login",
        None,
        json!({"email": "l@example.org", "password": long}),
    )
    .expect(200);
    let shorter = "é".repeat(35);
    app.post(
        "/users/login",
        None,
        json!({"email": "l@example.org", "password": shorter}),
    )
    .expect(401);
}

#[test]
fn duplicates_in_any_letter_case_conflict_and_change_nothing() {
    let app = TestApp::new();
    app.register("anna");
    let reply = app
        .post(
            "/users/register",
            None,
            json!({"email": "ANNA@Example.org", "username": "ANNA", "password": PASSWORD}),
        )
        .expect_field_error(409, "email");
    assert_eq!(reply.body["message"], "CONFLICT");
    assert!(reply.body["errors"]["username"].is_string());
    app.post(
        "/users/register",
        None,
        json!({"email": "other@example.org", "username": "Anna", "password": PASSWORD}),
    )
    .expect_field_error(409, "username");
    assert_eq!(count_users(&app), 1);
}

#[test]
fn malformed_bodies_are_400_json_never_422_or_html() {
    let app = TestApp::new();
    for raw in [
        "{\"email\": ",
        "not json",
        "[1,2]",
        "\"text\"",
        "{\"email\": \"a@b.c\",}",
    ] {
        let reply = app.send(
            Method::Post,
            "/users/register",
            None,
            Payload::Raw(ContentType::JSON, raw.as_bytes().to_vec()),
        );
        let reply = reply.expect_field_error(400, "body");
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    }
    let reply = app.send(
        Method::Post,
        "/users/register",
        None,
        Payload::Raw(ContentType::Plain, b"email=a".to_vec()),
    );
    assert_eq!(reply.expect(415).body["message"], "UNSUPPORTED MEDIA TYPE");
    let reply = app.send(
        Method::Post,
        "/users/register",
        None,
        Payload::Raw(ContentType::Form, b"%zz=%%%".to_vec()),
    );
    assert_eq!(reply.status, 400);
}

#[test]
fn oversize_bodies_are_413() {
    let app = TestApp::new();
    let big = json!({"email": "a@example.org", "username": "big", "password": PASSWORD, "pad": "x".repeat(200_000)});
    let reply = app.post("/users/register", None, big).expect(413);
    assert_eq!(reply.body["message"], "PAYLOAD TOO LARGE");
    let form = vec![("pad".to_string(), "x".repeat(200_000))];
    app.send(Method::Post, "/users/register", None, Payload::Form(form))
        .expect(413);
    assert_eq!(count_users(&app), 0);
}

#[test]
fn an_email_must_be_one_address() {
    let app = TestApp::new();
    for bad in [
        "attacker,victim@example.org",
        "attacker@example.org,victim@example.org",
        "ann smith@example.org",
        "ann@example.org\r\nBcc: victim@example.org",
        "a@b@example.org",
        "\"attacker,victim\"@example.org",
        "Ann <ann@example.org>",
    ] {
        let reply = app
            .post(
                "/users/register",
                None,
                json!({"email": bad, "username": "anna", "password": PASSWORD}),
            )
            .expect_field_error(400, "email");
        assert_eq!(reply.body["message"], "BAD REQUEST");
        app.post("/users/password/forgot", None, json!({ "email": bad }))
            .expect_field_error(400, "email");
    }
    assert_eq!(count_users(&app), 0);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(outbox(&app).is_empty());
    for good in [
        "name@example.org",
        "a.b+tag@sub.example.co.uk",
        "admin@demo.library",
    ] {
        let name = good.split(['@', '+', '.']).next().unwrap().to_string() + "_x";
        let reply = app
            .post(
                "/users/register",
                None,
                json!({"email": good, "username": name, "password": PASSWORD}),
            )
            .expect(201);
        assert_eq!(reply.result()["email"], good);
    }
}
