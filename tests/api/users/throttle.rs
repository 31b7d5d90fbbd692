//! Login throttling by account, by address and by device, behind a proxy and under a race.

use crate::common::{TestApp, PASSWORD};
use library_server::config::{Config, Settings};
use library_server::db::Db;
use rocket::figment::Figment;
use rocket::http::ContentType;
use serde_json::{json, Value};

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
    TestApp::with_figment(tweak)
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
    // The last character changed (to one it is not), so the signature no longer matches.
    let last = if device.ends_with('0') { '1' } else { '0' };
    let forged = json!({"email": "anna@example.org", "password": PASSWORD,
        "device_token": format!("{}{last}", &device[..device.len() - 1])});
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
