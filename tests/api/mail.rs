//! Password-reset mail over real SMTP: the test runs a small SMTP server on loopback and
//! the server under test talks to it through lettre, exactly as it would to a mail relay.

use std::net::TcpListener;
use std::time::Duration;

use crate::common::smtp::smtp_listener;
use crate::common::{quoted_printable_decode, TestApp, PASSWORD};
use library_server::config::SmtpTls;
use serde_json::json;

#[test]
fn a_reset_mail_goes_out_over_smtp_and_its_token_works() {
    let (port, inbox) = smtp_listener(4);
    let app = TestApp::with(|mut c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = Some(port);
        c.smtp_tls = SmtpTls::None;
        c.mail_from = "Library <library@test.local>".into();
        c.public_url = Some("https://library.test".into());
        c
    });
    app.user("anna");
    app.post(
        "/users/password/forgot",
        None,
        json!({"email": "anna@example.org"}),
    )
    .expect(200);
    let mail = inbox
        .recv_timeout(Duration::from_secs(10))
        .expect("a message over SMTP");
    assert_eq!(mail.mail_from, "<library@test.local>");
    assert_eq!(mail.rcpt_to, ["<anna@example.org>"]);
    let text = quoted_printable_decode(&mail.data);
    assert!(text.contains("Subject: Reset your library password"));
    // The link opens the reset page built into the server; no API instructions in a mail.
    let link = "https://library.test/reset-password?token=";
    let at = text.find(link).expect("the reset link") + link.len();
    let token = &text[at..at + 64];
    assert!(!text.contains("POST /users/password/reset"), "{text}");

    // Nothing for an unknown address, and the same answer.
    app.post(
        "/users/password/forgot",
        None,
        json!({"email": "nobody@example.org"}),
    )
    .expect(200);
    assert!(inbox.recv_timeout(Duration::from_millis(500)).is_err());

    app.post(
        "/users/password/reset",
        None,
        json!({"token": token, "password": "brand-new-pass"}),
    )
    .expect(200);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": "brand-new-pass"}),
    )
    .expect(200);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD}),
    )
    .expect(401);
}

#[test]
fn an_unreachable_mail_server_changes_nothing_the_client_sees() {
    // A port with nothing listening: the mail fails after the reply, and is only logged.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::with(|mut c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = Some(closed);
        c.smtp_tls = SmtpTls::None;
        c
    });
    app.user("anna");
    let known = app.post(
        "/users/password/forgot",
        None,
        json!({"email": "anna@example.org"}),
    );
    let unknown = app.post(
        "/users/password/forgot",
        None,
        json!({"email": "nobody@example.org"}),
    );
    assert_eq!(known.expect(200).body, unknown.expect(200).body);
}
