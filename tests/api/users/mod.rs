//! The users API, driven like a client would: register, log in, look up, change, upload,
//! delete — and every way a request can be wrong.

mod common;

use common::{jpeg, png, Part, Payload, TestApp, PASSWORD};
use library_server::config::{Config, Settings};
use library_server::db::Db;
use rocket::figment::Figment;
use rocket::http::{ContentType, Method};
use serde_json::{json, Value};

fn count_users(app: &TestApp) -> i64 {
    app.sql()
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap()
}

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

#[test]
fn repeated_failures_for_an_account_are_throttled_and_success_resets() {
    let app = TestApp::with(|mut c| {
        c.login_max_failures = 3;
        c
    });
    app.register("anna");
    let bad = json!({"email": "anna@example.org", "password": "wrong-password"});
    app.post("/users/login", None, bad.clone()).expect(401);
    app.post("/users/login", None, bad.clone()).expect(401);
    // A success before the limit clears the count.
    app.login("anna");
    for _ in 0..3 {
        app.post("/users/login", None, bad.clone()).expect(401);
    }
    let reply = app.post("/users/login", None, bad.clone()).expect(429);
    assert_eq!(reply.body["message"], "TOO MANY REQUESTS");
    let wait: u64 = reply.header("Retry-After").unwrap().parse().unwrap();
    assert!(wait >= 1);
    // Locked means locked, even with the right password, and by username too.
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD}),
    )
    .expect(429);
    app.post(
        "/users/login",
        None,
        json!({"username": "anna", "password": PASSWORD}),
    )
    .expect(429);
    // Another account is unaffected.
    app.register("bert");
    app.login("bert");
}

#[test]
fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = TestApp::with(|mut c| {
        c.login_max_failures = 100;
        c.login_max_failures_per_address = 3;
        c
    });
    let attacker: std::net::SocketAddr = "192.0.2.7:5000".parse().unwrap();
    let other: std::net::SocketAddr = "192.0.2.8:5000".parse().unwrap();
    let attempt = |from, who: &str| {
        app.client
            .post("/users/login")
            .remote(from)
            .header(ContentType::JSON)
            .body(
                json!({"email": format!("{who}@example.org"), "password": "wrong-password"})
                    .to_string(),
            )
            .dispatch()
            .status()
            .code
    };
    assert_eq!(attempt(attacker, "a"), 401);
    assert_eq!(attempt(attacker, "b"), 401);
    assert_eq!(attempt(attacker, "c"), 401);
    assert_eq!(attempt(attacker, "d"), 429);
    assert_eq!(attempt(other, "d"), 401);
}

/// A login from `from`, with extra headers; (status, body, Retry-After).
fn login_from(
    app: &TestApp,
    from: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (u16, Value, Option<String>) {
    let mut request = app
        .client
        .post("/users/login")
        .remote(format!("{from}:5000").parse().unwrap())
        .header(ContentType::JSON)
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(rocket::http::Header::new(
            name.to_string(),
            value.to_string(),
        ));
    }
    let response = request.dispatch();
    let status = response.status().code;
    let retry_after = response.headers().get_one("Retry-After").map(String::from);
    let body = response.into_json().unwrap_or(Value::Null);
    (status, body, retry_after)
}

fn wrong(who: &str) -> Value {
    json!({"email": format!("{who}@example.org"), "password": "wrong-password"})
}

#[test]
fn a_client_address_header_is_not_trusted_by_default() {
    let app = TestApp::with(|mut c| {
        c.login_max_failures_per_address = 3;
        c
    });
    // Rotating X-Real-IP (or X-Forwarded-For) does not make one client many.
    for (i, who) in ["a", "b", "c"].iter().enumerate() {
        let fake = format!("203.0.113.{i}");
        let headers = [
            ("X-Real-IP", fake.as_str()),
            ("X-Forwarded-For", fake.as_str()),
        ];
        assert_eq!(login_from(&app, "192.0.2.7", &headers, wrong(who)).0, 401);
    }
    let headers = [("X-Real-IP", "203.0.113.99")];
    let (status, body, retry_after) = login_from(&app, "192.0.2.7", &headers, wrong("d"));
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["message"], "TOO MANY REQUESTS");
    assert!(retry_after.is_some());
    // Nor can a header pin the count on someone else's address.
    let pinned = [("X-Real-IP", "192.0.2.7")];
    assert_eq!(login_from(&app, "192.0.2.8", &pinned, wrong("d")).0, 401);
}

/// A server like `TestApp::with`'s whose figment `tweak` may set Rocket's own keys too.
fn app_with_figment(tweak: impl FnOnce(Figment) -> Figment) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let figment = Config::figment()
        .merge(("database", dir.path().join("library.db")))
        .merge(("data_dir", dir.path().join("data")))
        .merge(("bcrypt_cost", 4))
        .merge(("log_level", "off"));
    let settings = Settings::load(tweak(figment)).expect("config");
    let db = Db::open(&settings.config.database).expect("database");
    let rocket = library_server::build(settings, db).expect("build");
    let client = rocket::local::blocking::Client::tracked(rocket).expect("client");
    TestApp { client, dir }
}

#[test]
fn behind_a_proxy_the_named_header_gives_the_client_address() {
    let app = app_with_figment(|f| {
        f.merge(("ip_header", "X-Real-IP"))
            .merge(("login_max_failures_per_address", 3))
    });
    // Every request comes from the proxy; the header tells the clients apart.
    let proxy = "10.0.0.1";
    for who in ["a", "b", "c"] {
        let headers = [("X-Real-IP", "192.0.2.7")];
        assert_eq!(login_from(&app, proxy, &headers, wrong(who)).0, 401);
    }
    let headers = [("X-Real-IP", "192.0.2.7")];
    assert_eq!(login_from(&app, proxy, &headers, wrong("d")).0, 429);
    let headers = [("X-Real-IP", "192.0.2.8")];
    assert_eq!(login_from(&app, proxy, &headers, wrong("d")).0, 401);
}

#[test]
fn login_hands_out_a_device_token_and_refuses_an_oversized_one() {
    let app = TestApp::new();
    app.register("anna");
    let reply = app
        .post(
            "/users/login",
            None,
            json!({"email": "anna@example.org", "password": PASSWORD}),
        )
        .expect(200);
    let device = reply.body["device_token"].as_str().expect("a device token");
    assert!(device.len() >= 64, "{device}");
    let again = app
        .post(
            "/users/login",
            None,
            json!({"email": "anna@example.org", "password": PASSWORD, "device_token": device}),
        )
        .expect(200);
    assert_ne!(again.body["device_token"], reply.body["device_token"]);
    // A token that is not (or no longer) good for the account is ignored, not an error.
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD, "device_token": "junk"}),
    )
    .expect(200);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD, "device_token": "x".repeat(257)}),
    )
    .expect_field_error(400, "device_token");
}

#[test]
fn an_attack_from_elsewhere_does_not_lock_out_a_known_device() {
    let app = TestApp::with(|mut c| {
        c.login_max_failures = 3;
        c.login_max_failures_per_account = 6;
        c
    });
    app.register("anna");
    let right = json!({"email": "anna@example.org", "password": PASSWORD});
    let (status, body, _) = login_from(&app, "192.0.2.1", &[], right.clone());
    assert_eq!(status, 200, "{body}");
    let device = body["device_token"].as_str().unwrap().to_string();

    // Guessing from one address stops at the pair's limit…
    for _ in 0..3 {
        assert_eq!(login_from(&app, "198.51.100.1", &[], wrong("anna")).0, 401);
    }
    assert_eq!(login_from(&app, "198.51.100.1", &[], wrong("anna")).0, 429);
    // …and from many addresses at the account's ceiling.
    for _ in 0..3 {
        assert_eq!(login_from(&app, "198.51.100.2", &[], wrong("anna")).0, 401);
    }
    let (status, _, retry_after) = login_from(&app, "198.51.100.3", &[], wrong("anna"));
    assert_eq!(status, 429);
    assert!(retry_after.unwrap().parse::<u64>().unwrap() >= 1);
    // The owner on a new device waits too, even with the right password…
    assert_eq!(login_from(&app, "192.0.2.1", &[], right.clone()).0, 429);
    let forged = json!({"email": "anna@example.org", "password": PASSWORD,
        "device_token": format!("{}0", &device[..device.len() - 1])});
    assert_eq!(login_from(&app, "192.0.2.1", &[], forged).0, 429);
    // …but on a device that signed in before, the owner gets in, from anywhere.
    let known = json!({"email": "anna@example.org", "password": PASSWORD, "device_token": device});
    let (status, body, _) = login_from(&app, "203.0.113.9", &[], known);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["username"], "anna");

    // A known device's own failures are bounded like a pair's.
    let device = body["device_token"].as_str().unwrap().to_string();
    let guess =
        json!({"email": "anna@example.org", "password": "wrong-password", "device_token": device});
    for _ in 0..3 {
        assert_eq!(login_from(&app, "203.0.113.9", &[], guess.clone()).0, 401);
    }
    assert_eq!(login_from(&app, "203.0.113.9", &[], guess).0, 429);
}

#[test]
fn a_class_behind_one_router_is_not_locked_out_by_its_typos() {
    // The defaults: a class of 30, each mistyping twice from the school's one address.
    let app = TestApp::new();
    let class: Vec<String> = (0..30).map(|i| format!("pupil{i}")).collect();
    for name in &class {
        app.register(name);
    }
    for name in &class {
        for _ in 0..2 {
            assert_eq!(login_from(&app, "192.0.2.50", &[], wrong(name)).0, 401);
        }
        let right = json!({"email": format!("{name}@example.org"), "password": PASSWORD});
        let (status, body, _) = login_from(&app, "192.0.2.50", &[], right);
        assert_eq!(status, 200, "{name}: {body}");
    }
}

mod race {
    use super::*;
    use rocket::futures::future::join_all;
    use rocket::local::asynchronous::Client;

    /// Forty wrong passwords for one account, all in flight together: the throttle must
    /// reserve each attempt before the password check, or all forty get checked.
    #[test]
    fn concurrent_wrong_passwords_are_checked_at_most_the_limit() {
        // A slower hash makes each check long, so the requests truly overlap.
        let app = TestApp::with(|mut c| {
            c.bcrypt_cost = 8;
            c
        });
        app.register("anna");
        let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        let mut answers = runtime.block_on(async {
            // A second server over the test's database, with the default limits.
            let figment = Config::figment()
                .merge(("database", app.db_path()))
                .merge(("data_dir", app.data_dir()))
                .merge(("log_level", "off"));
            let settings = Settings::load(figment).expect("config");
            let db = Db::open(&settings.config.database).expect("database");
            let rocket = library_server::build(settings, db).expect("build");
            let client = Client::untracked(rocket).await.expect("client");
            let body = wrong("anna").to_string();
            let requests = (0..40).map(|_| {
                client
                    .post("/users/login")
                    .header(ContentType::JSON)
                    .body(body.clone())
                    .dispatch()
            });
            let mut answers = Vec::new();
            for response in join_all(requests).await {
                let status = response.status().code;
                let retry_after = response.headers().get_one("Retry-After").map(String::from);
                let body: Value = response.into_json().await.expect("JSON");
                answers.push((status, retry_after, body));
            }
            let right = json!({"email": "anna@example.org", "password": PASSWORD});
            let after = client
                .post("/users/login")
                .header(ContentType::JSON)
                .body(right.to_string())
                .dispatch()
                .await
                .status()
                .code;
            answers.push((after, None, Value::Null));
            answers
        });
        let (after, _, _) = answers.pop().unwrap();
        let checked = answers.iter().filter(|(status, ..)| *status == 401).count();
        assert_eq!(checked, 5, "the default limit of a pair is 5");
        for (status, retry_after, body) in &answers {
            match status {
                401 => assert_eq!(body["message"], "ACCESS UNAUTHORIZED"),
                429 => {
                    assert_eq!(body["message"], "TOO MANY REQUESTS");
                    let wait: u64 = retry_after.as_deref().unwrap().parse().unwrap();
                    assert!(wait >= 1);
                }
                _ => panic!("{status}: {body}"),
            }
        }
        assert_eq!(after, 429, "five failures lock the pair");
    }
}

// ---------------------------------------------------------------- tokens

fn sign(claims: Value, secret: &str, alg: jsonwebtoken::Algorithm) -> String {
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

// ---------------------------------------------------------------- reading users

#[test]
fn listing_pages_filters_and_hides_emails_from_members() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    for name in ["anna", "annabel", "bert", "carla"] {
        app.register(name);
    }
    let anna = app.login("anna");
    let reply = app.get("/users?per_page=2&page=2", Some(&anna)).expect(200);
    assert_eq!(reply.body["message"], "GET USERS SUCCESS");
    assert_eq!(
        reply.body["meta"],
        json!({"page": 2, "per_page": 2, "total": 5})
    );
    assert_eq!(reply.result().as_array().unwrap().len(), 2);

    let reply = app.get("/users?q=ANN", Some(&anna)).expect(200);
    let names: Vec<&str> = reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anna", "annabel"]);
    let others: Vec<&Value> = reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["username"] != "anna")
        .collect();
    assert!(
        others.iter().all(|u| u.get("email").is_none()),
        "members do not see others' e-mail"
    );
    let own = reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "anna")
        .unwrap();
    assert_eq!(own["email"], "anna@example.org");

    let reply = app.get("/users?q=ann", Some(&admin)).expect(200);
    assert!(reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["email"].is_string()));
    let reply = app.get("/users?q=%25", Some(&admin)).expect(200);
    assert_eq!(
        reply.body["meta"]["total"], 0,
        "'%' is literal, not a wildcard"
    );
}

#[test]
fn paging_out_of_range_or_not_a_number_is_400() {
    let app = TestApp::new();
    let (_, token) = app.admin();
    for query in [
        "page=0",
        "per_page=0",
        "per_page=101",
        "page=abc",
        "per_page=-1",
        "page=1.5",
        "per_page=",
    ] {
        let field = query.split('=').next().unwrap();
        app.get(&format!("/users?{query}"), Some(&token))
            .expect_field_error(400, field);
    }
    app.get("/users?per_page=100", Some(&token)).expect(200);
    app.get("/users", None).expect(401);
}

#[test]
fn get_by_id_and_by_username() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (id, anna) = app.user("anna");
    let reply = app.get(&format!("/users/{id}"), Some(&admin)).expect(200);
    assert_eq!(reply.result()["username"], "anna");
    assert_eq!(reply.result()["email"], "anna@example.org");
    let reply = app.get("/users/username/ANNA", Some(&anna)).expect(200);
    assert_eq!(reply.result()["id"], id);
    let reply = app.get("/users/1", Some(&anna)).expect(200);
    assert!(reply.result().get("email").is_none());
    assert_eq!(
        app.get("/users/9999", Some(&anna)).expect(404).body["message"],
        "NOT FOUND"
    );
    // An id that is not a 64-bit integer is a bad request.
    app.get("/users/abc", Some(&anna)).expect(400);
    app.get("/users/99999999999999999999999", Some(&anna))
        .expect(400);
    app.get("/users/username/nobody", Some(&anna)).expect(404);
    app.get(&format!("/users/{id}"), None).expect(401);
    app.get("/users/username/anna", None).expect(401);
}

// ---------------------------------------------------------------- changing users

#[test]
fn changing_a_username() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (id, anna) = app.user("anna");
    let (bert_id, bert) = app.user("bert");
    app.sql()
        .execute("UPDATE users SET modified_at = 1000 WHERE id = ?1", [id])
        .unwrap();
    let reply = app
        .patch(
            &format!("/users/{id}/username"),
            Some(&anna),
            json!({"username": "anna_k"}),
        )
        .expect(200);
    assert_eq!(reply.body["message"], "CHANGE USERNAME SUCCESS");
    assert_eq!(reply.result()["username"], "anna_k");
    assert_ne!(
        reply.result()["modified_at"],
        "Thu, 01 Jan 1970 00:16:40 GMT"
    );
    app.get("/users/username/anna_k", Some(&anna)).expect(200);

    app.patch(
        &format!("/users/{id}/username"),
        Some(&bert),
        json!({"username": "hijack"}),
    )
    .expect(403);
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": "BERT"}),
    )
    .expect_field_error(409, "username");
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": "no way"}),
    )
    .expect_field_error(400, "username");
    app.patch(&format!("/users/{id}/username"), Some(&anna), json!({}))
        .expect_field_error(400, "username");
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": 7}),
    )
    .expect_field_error(400, "username");
    app.patch(
        &format!("/users/{id}/username"),
        None,
        json!({"username": "nobody"}),
    )
    .expect(401);
    // Its own name in another case is fine.
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": "ANNA_K"}),
    )
    .expect(200);
    // The admin may rename anyone.
    app.patch(
        &format!("/users/{bert_id}/username"),
        Some(&admin),
        json!({"username": "bertram"}),
    )
    .expect(200);
    app.patch(
        "/users/9999/username",
        Some(&admin),
        json!({"username": "ghost"}),
    )
    .expect(404);
}

#[test]
fn changing_roles_is_for_admins_and_keeps_one_admin() {
    let app = TestApp::new();
    let (admin_id, admin) = app.admin();
    let (id, anna) = app.user("anna");
    app.patch(
        &format!("/users/{id}/role"),
        Some(&anna),
        json!({"role": "admin"}),
    )
    .expect(403);
    let reply = app
        .patch(
            &format!("/users/{id}/role"),
            Some(&admin),
            json!({"role": "librarian"}),
        )
        .expect(200);
    assert_eq!(reply.result()["role"], "librarian");
    // A librarian is still not an admin.
    let anna = app.login("anna");
    app.patch(
        &format!("/users/{id}/role"),
        Some(&anna),
        json!({"role": "admin"}),
    )
    .expect(403);
    app.patch(
        &format!("/users/{id}/role"),
        Some(&admin),
        json!({"role": "king"}),
    )
    .expect_field_error(400, "role");
    app.patch(&format!("/users/{id}/role"), Some(&admin), json!({}))
        .expect_field_error(400, "role");
    app.patch(
        &format!("/users/{admin_id}/role"),
        Some(&admin),
        json!({"role": "member"}),
    )
    .expect_field_error(409, "role");
    app.patch("/users/9999/role", Some(&admin), json!({"role": "member"}))
        .expect(404);
}

// ---------------------------------------------------------------- pictures

fn upload(app: &TestApp, id: i64, token: &str, parts: Vec<Part>) -> common::Reply {
    app.send(
        Method::Put,
        &format!("/users/{id}/image"),
        Some(token),
        Payload::Multipart(parts),
    )
}

fn stored_pictures(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir().join("images/profile");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_picture_is_resized_reencoded_served_and_replaced() {
    let app = TestApp::new();
    let (id, token) = app.user("anna");
    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "me.jpg", jpeg(1000, 500))],
    )
    .expect(200);
    assert_eq!(reply.body["message"], "UPDATE PROFILE PICTURE SUCCESS");
    let first = reply.result()["image_file"].as_str().unwrap().to_string();
    assert!(first.ends_with(".jpg") && first != "default.jpg");
    assert_ne!(first, "me.jpg", "the server names the file");
    assert_eq!(stored_pictures(&app), vec![first.clone()]);

    let served = app.get(&format!("/images/profile/{first}"), None);
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type.as_deref(), Some("image/jpeg"));
    let picture = image::load_from_memory(&served.bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (256, 128));

    // A PNG named .gif is judged by its content; the old file goes.
    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "x.gif", png(40, 30))],
    )
    .expect(200);
    let second = reply.result()["image_file"].as_str().unwrap().to_string();
    assert!(second.ends_with(".png"));
    assert_eq!(stored_pictures(&app), vec![second.clone()]);
    app.get(&format!("/images/profile/{first}"), None)
        .expect(404);
    let served = app.get(&format!("/images/profile/{second}"), None);
    assert_eq!(served.content_type.as_deref(), Some("image/png"));
    let picture = image::load_from_memory(&served.bytes).unwrap();
    assert_eq!(
        (picture.width(), picture.height()),
        (40, 30),
        "small pictures are not enlarged"
    );
    assert_eq!(
        app.get("/users/me", Some(&token)).result()["image_file"],
        second
    );
}

#[test]
fn the_default_picture_is_built_in() {
    let app = TestApp::new();
    let reply = app.get("/images/profile/default.jpg", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type.as_deref(), Some("image/jpeg"));
    assert!(image::load_from_memory(&reply.bytes).is_ok());
    app.get("/images/profile/nothing.jpg", None).expect(404);
    app.get("/images/profile/..%2F..%2Flibrary.db", None)
        .expect(404);
}

/// A PNG whose header declares `width`×`height` but carries almost no data.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn fake_oversize_bomb_and_missing_pictures_are_refused_and_leave_nothing() {
    let app = TestApp::with(|mut c| {
        c.image_max_bytes = 100_000;
        c
    });
    app.admin();
    let (id, token) = app.user("anna");
    let (other, _) = app.user("bert");

    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file(
            "image",
            "me.png",
            b"this is not a picture".to_vec(),
        )],
    )
    .expect(415);
    assert_eq!(reply.body["message"], "UNSUPPORTED MEDIA TYPE");
    upload(
        &app,
        id,
        &token,
        vec![Part::file(
            "image",
            "me.bmp",
            b"BM\x00\x00\x00\x00".to_vec(),
        )],
    )
    .expect(415);

    let mut big = png(8, 8);
    big.extend(std::iter::repeat_n(0u8, 150_000));
    upload(&app, id, &token, vec![Part::file("image", "big.png", big)]).expect(413);
    // Past the multipart limit itself (3 MiB in Rocket.toml).
    upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "huge.png", vec![0u8; 4 * 1024 * 1024])],
    )
    .expect(413);

    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "bomb.png", png_bomb(100_000, 100_000))],
    )
    .expect_field_error(400, "image");
    assert!(reply.body["errors"]["image"]
        .as_str()
        .unwrap()
        .contains("too large"));
    upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "bomb.png", png_bomb(9_000, 9_000))],
    )
    .expect(400);

    upload(&app, id, &token, vec![Part::text("image", "not a file")])
        .expect_field_error(400, "image");
    upload(
        &app,
        id,
        &token,
        vec![Part::file("picture", "me.png", png(4, 4))],
    )
    .expect_field_error(400, "image");
    app.put(
        &format!("/users/{id}/image"),
        Some(&token),
        json!({"image": "x"}),
    )
    .expect(415);
    upload(
        &app,
        other,
        &token,
        vec![Part::file("image", "me.png", png(4, 4))],
    )
    .expect(403);
    app.send(
        Method::Put,
        &format!("/users/{id}/image"),
        None,
        Payload::Multipart(vec![Part::file("image", "me.png", png(4, 4))]),
    )
    .expect(401);

    assert!(
        stored_pictures(&app).is_empty(),
        "no failed upload may leave a file"
    );
    assert_eq!(
        app.get("/users/me", Some(&token)).result()["image_file"],
        "default.jpg"
    );
}

#[test]
fn an_admin_may_set_anyones_picture() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (id, _) = app.user("anna");
    upload(
        &app,
        id,
        &admin,
        vec![Part::file("image", "a.png", png(10, 10))],
    )
    .expect(200);
    upload(
        &app,
        9999,
        &admin,
        vec![Part::file("image", "a.png", png(10, 10))],
    )
    .expect(404);
    assert_eq!(stored_pictures(&app).len(), 1);
}

// ---------------------------------------------------------------- deleting

#[test]
fn deleting_oneself_removes_the_row_the_picture_and_the_tokens() {
    let app = TestApp::new();
    app.admin();
    let (id, token) = app.user("anna");
    upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "a.png", png(10, 10))],
    )
    .expect(200);
    assert_eq!(stored_pictures(&app).len(), 1);
    let reply = app
        .delete(&format!("/users/{id}"), Some(&token))
        .expect(200);
    assert_eq!(reply.body["message"], "DELETE USER SUCCESS");
    assert!(stored_pictures(&app).is_empty());
    app.get("/users/me", Some(&token)).expect(401);
    app.get("/users/1", Some(&token)).expect(401);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD}),
    )
    .expect(401);
    // The name and address are free again.
    app.register("anna");
}

#[test]
fn deleting_others_is_for_admins_and_the_last_admin_stays() {
    let app = TestApp::new();
    let (admin_id, admin) = app.admin();
    let (anna_id, anna) = app.user("anna");
    let (bert_id, _) = app.user("bert");
    app.delete(&format!("/users/{bert_id}"), Some(&anna))
        .expect(403);
    app.delete(&format!("/users/{bert_id}"), None).expect(401);
    app.delete(&format!("/users/{bert_id}"), Some(&admin))
        .expect(200);
    app.delete(&format!("/users/{bert_id}"), Some(&admin))
        .expect(404);
    app.delete("/users/abc", Some(&admin)).expect(400);
    app.delete(&format!("/users/{admin_id}"), Some(&admin))
        .expect(409);
    // With a second admin, the first may go.
    app.patch(
        &format!("/users/{anna_id}/role"),
        Some(&admin),
        json!({"role": "admin"}),
    )
    .expect(200);
    app.delete(&format!("/users/{admin_id}"), Some(&admin))
        .expect(200);
    assert_eq!(count_users(&app), 1);
}

// ---------------------------------------------------------------- password reset

fn outbox(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir().join("outbox");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// The mail goes out after the reply; wait for it (bounded).
fn wait_for_mail(app: &TestApp, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let mails = outbox(app);
        if mails.len() >= count {
            return mails;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no mail arrived in the outbox");
}

/// The reset token in a mail (bodies with long lines are quoted-printable).
pub fn token_in(mail: &str) -> String {
    let text = common::quoted_printable_decode(mail);
    let at = text.find("token=").expect("a reset link") + "token=".len();
    text[at..at + 64].to_string()
}

#[test]
fn password_reset_by_outbox_mail() {
    let app = TestApp::new();
    let (_, old_token) = app.user("anna");
    let known = app
        .post(
            "/users/password/forgot",
            None,
            json!({"email": "ANNA@example.org"}),
        )
        .expect(200);
    let unknown = app
        .post(
            "/users/password/forgot",
            None,
            json!({"email": "nobody@example.org"}),
        )
        .expect(200);
    assert_eq!(
        known.body, unknown.body,
        "the answer must not tell whether the address exists"
    );
    let mails = wait_for_mail(&app, 1);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(outbox(&app).len(), 1, "only the known address gets mail");
    let mail = &mails[0];
    assert!(mail.contains("To: anna@example.org"));
    let token = token_in(mail);
    assert!(
        token.chars().all(|c| c.is_ascii_hexdigit()),
        "256 random bits as hex"
    );

    let stored: String = app
        .sql()
        .query_row("SELECT token_hash FROM password_resets", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, token, "only a hash of the token is stored");

    app.post(
        "/users/password/reset",
        None,
        json!({"token": token, "password": "short"}),
    )
    .expect_field_error(400, "password");
    app.post(
        "/users/password/reset",
        None,
        json!({"token": "f".repeat(64), "password": "new-password-1"}),
    )
    .expect_field_error(400, "token");
    app.post(
        "/users/password/reset",
        None,
        json!({"password": "new-password-1"}),
    )
    .expect_field_error(400, "token");
    let reply = app
        .post(
            "/users/password/reset",
            None,
            json!({"token": token, "password": "new-password-1"}),
        )
        .expect(200);
    assert_eq!(reply.body["message"], "RESET PASSWORD SUCCESS");
    app.post(
        "/users/password/reset",
        None,
        json!({"token": token, "password": "new-password-2"}),
    )
    .expect_field_error(400, "token");

    app.get("/users/me", Some(&old_token)).expect(401);
    app.get("/users/1", Some(&old_token)).expect(401);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD}),
    )
    .expect(401);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": "new-password-1"}),
    )
    .expect(200);
}

#[test]
fn an_expired_reset_token_is_refused() {
    let app = TestApp::with(|mut c| {
        c.reset_token_ttl_secs = 0;
        c
    });
    app.user("anna");
    app.post(
        "/users/password/forgot",
        None,
        json!({"email": "anna@example.org"}),
    )
    .expect(200);
    let token = token_in(&wait_for_mail(&app, 1)[0]);
    app.post(
        "/users/password/reset",
        None,
        json!({"token": token, "password": "new-password-1"}),
    )
    .expect_field_error(400, "token");
    app.login("anna");
}

#[test]
fn forgot_password_validates_the_address() {
    let app = TestApp::new();
    app.post("/users/password/forgot", None, json!({}))
        .expect_field_error(400, "email");
    app.post("/users/password/forgot", None, json!({"email": "nope"}))
        .expect_field_error(400, "email");
}

/// A forgot-password request from `from`; asserts the usual 200.
fn forgot_from(app: &TestApp, from: &str, email: &str) -> Value {
    let response = app
        .client
        .post("/users/password/forgot")
        .remote(format!("{from}:5000").parse().unwrap())
        .header(ContentType::JSON)
        .body(json!({ "email": email }).to_string())
        .dispatch();
    assert_eq!(response.status().code, 200);
    response.into_json().unwrap()
}

#[test]
fn reset_mails_to_one_person_are_limited_with_the_same_answer() {
    let app = TestApp::with(|mut c| {
        c.reset_requests_per_address_per_hour = 100;
        c
    });
    app.user("anna");
    let first = forgot_from(&app, "192.0.2.1", "anna@example.org");
    for i in 2..=10 {
        let answer = forgot_from(&app, &format!("192.0.2.{i}"), "anna@example.org");
        assert_eq!(answer, first, "the answer never tells a limit was reached");
    }
    wait_for_mail(&app, 3);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        outbox(&app).len(),
        3,
        "at most 3 mails an hour to one person"
    );
}

#[test]
fn reset_requests_from_one_address_are_limited() {
    let app = TestApp::with(|mut c| {
        c.reset_requests_per_address_per_hour = 2;
        c
    });
    for name in ["anna", "bert", "cleo"] {
        app.register(name);
    }
    let first = forgot_from(&app, "198.51.100.7", "anna@example.org");
    assert_eq!(forgot_from(&app, "198.51.100.7", "bert@example.org"), first);
    assert_eq!(forgot_from(&app, "198.51.100.7", "cleo@example.org"), first);
    wait_for_mail(&app, 2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mails = outbox(&app);
    assert_eq!(
        mails.len(),
        2,
        "the third request from that address sent nothing"
    );
    assert!(!mails.iter().any(|m| m.contains("To: cleo@example.org")));
    // Another client is not held back by that one.
    forgot_from(&app, "198.51.100.8", "cleo@example.org");
    let mails = wait_for_mail(&app, 3);
    assert!(mails.iter().any(|m| m.contains("To: cleo@example.org")));
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

// ---------------------------------------------------------------- every response is JSON

#[test]
fn answers_with_tokens_or_personal_data_are_not_stored_by_caches() {
    let app = TestApp::new();
    let registered = app.post(
        "/users/register",
        None,
        json!({"email": "admin@example.org", "username": "admin", "password": PASSWORD}),
    );
    assert_eq!(registered.header("Cache-Control"), Some("no-store"));
    let login = app
        .post(
            "/users/login",
            None,
            json!({"email": "admin@example.org", "password": PASSWORD}),
        )
        .expect(200);
    assert_eq!(login.header("Cache-Control"), Some("no-store"));
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let failed = app.post(
        "/users/login",
        None,
        json!({"email": "admin@example.org", "password": "wrong-password"}),
    );
    assert_eq!(failed.header("Cache-Control"), Some("no-store"));
    for path in [
        "/users/me",
        "/users",
        "/users/1",
        "/users/username/admin",
        "/loans",
        "/holds",
    ] {
        let reply = app.get(path, Some(&token)).expect(200);
        assert_eq!(reply.header("Cache-Control"), Some("no-store"), "{path}");
    }
    let forgot = app
        .post(
            "/users/password/forgot",
            None,
            json!({"email": "admin@example.org"}),
        )
        .expect(200);
    assert_eq!(forgot.header("Cache-Control"), Some("no-store"));
    // Any request that carried credentials, even to a public path.
    let book = app
        .post(
            "/books",
            Some(&token),
            json!({"title": "Dune", "author": "Frank Herbert"}),
        )
        .expect(201);
    assert_eq!(book.header("Cache-Control"), Some("no-store"));
    let reply = app.get("/books", Some(&token)).expect(200);
    assert_eq!(reply.header("Cache-Control"), Some("no-store"));
    // The public catalogue and the server's own files may be cached.
    for path in ["/books", "/books/1", "/health", "/openapi.json", "/admin"] {
        let reply = app.get(path, None);
        assert_eq!(reply.status, 200, "{path}");
        assert_ne!(reply.header("Cache-Control"), Some("no-store"), "{path}");
    }
}

#[test]
fn unknown_routes_and_errors_are_json_with_nosniff() {
    let app = TestApp::new();
    for path in ["/nowhere", "/users/1/nothing", "/images/profile/"] {
        let reply = app.get(path, None).expect(404);
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(reply.header("X-Content-Type-Options"), Some("nosniff"));
    }
}

#[test]
fn a_known_path_with_the_wrong_method_is_405_with_allow() {
    let app = TestApp::new();
    let (_, token) = app.user("anna");
    // Rocket checks the token before the path: a signed-in caller learns the method is wrong.
    let reply = app
        .send(
            Method::Delete,
            "/users/register",
            Some(&token),
            Payload::None,
        )
        .expect(405);
    assert_eq!(reply.body["message"], "METHOD NOT ALLOWED");
    assert_eq!(reply.header("Allow"), Some("POST"));
    let reply = app
        .send(Method::Put, "/users/1", Some(&token), Payload::None)
        .expect(405);
    let allow = reply.header("Allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");
    app.send(Method::Post, "/health", None, Payload::None)
        .expect(405);
    // A right method with a bad id is still a bad request, and unknown paths still 404.
    app.get("/users/abc", Some(&token)).expect(400);
    app.send(Method::Post, "/nothing/here", None, Payload::None)
        .expect(404);
}

#[test]
fn unknown_fields_and_repeated_parameters_are_refused_by_name() {
    let app = TestApp::new();
    let (_, token) = app.admin();
    let reply = app
        .post("/users/register", None, json!({"email": "x@example.org", "username": "xavier", "password": PASSWORD, "usrname": "typo"}))
        .expect_field_error(400, "usrname");
    assert_eq!(
        reply.body["errors"]["usrname"],
        "is not a field of this request"
    );
    assert_eq!(count_users(&app), 1);
    app.get("/users?per_page=null&per_page=null", Some(&token))
        .expect_field_error(400, "per_page");
    app.get("/users?page=1&page=2", Some(&token))
        .expect_field_error(400, "page");
    app.get("/users?q=ad&unrelated=1", Some(&token)).expect(200);
}

#[test]
fn a_picture_sent_under_another_field_name_is_refused_naming_the_field_expected() {
    let app = TestApp::new();
    let (id, token) = app.user("anna");
    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("picture", "me.png", png(8, 8))],
    )
    .expect_field_error(400, "image");
    let problem = reply.body["errors"]["image"].as_str().unwrap();
    assert!(problem.contains("multipart field `image`"), "{problem}");
    assert!(problem.contains("came as `picture`"), "{problem}");
}

/// The names of the mails in the outbox.
fn outbox_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir().join("outbox"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default()
}

fn eml_mails(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir().join("outbox");
    outbox_files(app)
        .iter()
        .map(|name| std::fs::read_to_string(dir.join(name)).unwrap())
        .collect()
}

#[test]
fn a_reset_mail_leaves_the_outbox_once_its_token_is_spent() {
    let app = TestApp::new();
    app.user("anna");
    app.user("bert");
    for email in ["anna@example.org", "anna@example.org", "bert@example.org"] {
        app.post("/users/password/forgot", None, json!({ "email": email }))
            .expect(200);
    }
    // Whole mails only: one still being written is a `.part` file.
    for _ in 0..200 {
        if outbox_files(&app).len() == 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let mails = eml_mails(&app);
    assert_eq!(mails.len(), 3);
    let anna: Vec<&String> = mails
        .iter()
        .filter(|m| m.contains("To: anna@example.org"))
        .collect();
    assert_eq!(anna.len(), 2);
    let token = token_in(anna[1]);
    app.post(
        "/users/password/reset",
        None,
        json!({"token": token, "password": "new-password-1"}),
    )
    .expect(200);
    // Both of anna's tokens are spent (a reset ends every open one), so both mails go;
    // bert's token is still good and his mail stays.
    let left = eml_mails(&app);
    assert_eq!(left.len(), 1, "{:?}", outbox_files(&app));
    assert!(left[0].contains("To: bert@example.org"));
    let names = outbox_files(&app);
    assert!(
        names[0].starts_with("reset-") && !names[0].contains(&token),
        "{names:?}"
    );
}
