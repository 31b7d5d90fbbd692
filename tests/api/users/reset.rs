//! Password reset by mail: the outbox, expiry, the limits on asking.

use super::outbox;
use crate::common;
use crate::common::{TestApp, PASSWORD};
use rocket::http::ContentType;
use serde_json::{json, Value};

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
