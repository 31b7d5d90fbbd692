//! In the browser: an admin signs in and changes a role; a reset link sets a password.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::browser::{browser_ready, open_browser, run};
use super::server::Server;
use crate::common;
use crate::common::PASSWORD;
use serde_json::json;

// ---- what a librarian does ----------------------------------------------------------------

#[test]
fn admin_signs_in_sees_members_and_changes_a_role() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let mia = server.register("mia");
    server.register("tom");
    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.view("login").await;
        browser.screenshot("login-desktop").await;

        // A wrong password is told in words, not swallowed.
        browser.login("admin@example.org", "not-the-password").await;
        browser
            .message(
                "error",
                &["ACCESS UNAUTHORIZED", "email or password is wrong"],
            )
            .await;
        browser.view("login").await;

        // A member may not use the page.
        browser.login("tom@example.org", PASSWORD).await;
        browser
            .message("error", &["for librarians and admins", "tom is a member"])
            .await;
        browser.view("login").await;

        browser.login("admin", PASSWORD).await;
        browser.text_contains("#whoami", &["admin (admin)"]).await;
        browser.view("books").await;
        browser.click("#book-new").await;
        browser.find("#book-form:not([hidden])").await;
        browser.screenshot("books-desktop").await;
        browser.click("#book-cancel").await;
        browser.find("#book-form[hidden]").await;
        browser.click("#nav a[data-view=\"loans\"]").await;
        browser.view("loans").await;
        browser.screenshot("loans-desktop").await;
        browser.click("#nav a[data-view=\"members\"]").await;
        browser.view("members").await;
        browser
            .text_contains("#members-table tbody", &["admin", "mia", "tom"])
            .await;
        browser.screenshot("members-desktop").await;

        // Promote mia; the page says so and the server holds it.
        let select = browser
            .find(&format!("tr[data-user-id=\"{mia}\"] select.role-select"))
            .await;
        select.select_by_value("librarian").await.expect("choose");
        browser.message("ok", &["mia is now librarian"]).await;
        let token = server.login("admin");
        let (_, body) = server.http("GET", &format!("/users/{mia}"), Some(&token), None);
        assert_eq!(body["result"]["role"], "librarian");

        // Demoting the last admin is refused, in words, and the select shows the truth.
        let admin_select = browser
            .find("tr[data-username=\"admin\"] select.role-select")
            .await;
        admin_select
            .select_by_value("member")
            .await
            .expect("choose");
        browser
            .message(
                "error",
                &["CONFLICT", "role: the last admin cannot be demoted"],
            )
            .await;
        let shown = admin_select.prop("value").await.expect("value");
        assert_eq!(shown.as_deref(), Some("admin"));

        // Search narrows the list.
        browser.fill("#member-q", "mi").await;
        browser.click("#member-search-submit").await;
        browser.count("#members-table tbody tr", 1).await;
        browser.find("tr[data-username=\"mia\"]").await;

        // Phone width: the same views still fit.
        browser.set_width(390, 844).await;
        browser.fill("#member-q", "").await;
        browser.click("#member-search-submit").await;
        browser
            .text_contains("#members-table tbody", &["tom"])
            .await;
        browser.screenshot("members-phone").await;
        browser.click("#nav a[data-view=\"books\"]").await;
        browser.view("books").await;
        browser.screenshot("books-phone").await;

        browser.no_policy_violations().await;

        // A token the server no longer accepts sends the user back to sign in, saying why.
        browser
            .client
            .execute(
                "sessionStorage.setItem('library.token', 'not-a-token');",
                vec![],
            )
            .await
            .expect("spoil the token");
        browser.click("#nav a[data-view=\"members\"]").await;
        browser.view("login").await;
        browser
            .message("error", &["Your session has ended", "sign in again"])
            .await;

        browser.login("admin@example.org", PASSWORD).await;
        browser.view("books").await;
        browser.click("#logout").await;
        browser.view("login").await;
        browser.message("ok", &["Signed out"]).await;
        browser.screenshot("login-phone").await;
        browser.close().await;
    });
}

#[test]
fn a_reset_link_from_the_mail_sets_a_new_password() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let (status, _) = server.http(
        "POST",
        "/users/password/forgot",
        None,
        Some(json!({"email": "admin@example.org"})),
    );
    assert_eq!(status, 200);
    let token = reset_token_from_outbox(&server.outbox());

    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin/#reset?token=not-a-real-token").await;
        browser.view("reset").await;
        browser.fill("#reset-password", "a-new-password").await;
        browser.fill("#reset-repeat", "a-new-password").await;
        browser.click("#reset-submit").await;
        browser
            .message(
                "error",
                &["BAD REQUEST", "token: is invalid, used or expired"],
            )
            .await;

        browser.open(&format!("/admin/#reset?token={token}")).await;
        browser.view("reset").await;
        browser.fill("#reset-password", "a-new-password").await;
        browser.fill("#reset-repeat", "a-new-password").await;
        browser.click("#reset-submit").await;
        browser.message("ok", &["password is changed"]).await;

        browser.open("/admin#login").await;
        browser.login("admin@example.org", "a-new-password").await;
        browser.text_contains("#whoami", &["admin"]).await;
        browser.no_policy_violations().await;
        browser.close().await;
    });
}

/// The reset token in the mail's link, `…/reset-password?token=<64 hex digits>` (long
/// lines are quoted-printable).
pub(crate) fn reset_token_from_outbox(outbox: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mails: Vec<PathBuf> = std::fs::read_dir(outbox)
            .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        for mail in mails {
            let text = common::quoted_printable_decode(
                &std::fs::read_to_string(&mail).unwrap_or_default(),
            );
            let link = "/reset-password?token=";
            if let Some(at) = text.find(link) {
                let token: String = text[at + link.len()..].chars().take(64).collect();
                assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{text}");
                return token;
            }
        }
        assert!(Instant::now() < deadline, "no reset mail in {outbox:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
