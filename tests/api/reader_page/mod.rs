//! The reader's page (`/`) in headless Chromium, on a real server holding the demo library:
//! searching with suggestions, a book's page, signing in with a password or a card and PIN,
//! renewing, holds, the reset link, the members-only setting, languages, kiosk mode and bad
//! input. Every main view is checked by axe-core (its `axe.min.js` from the npm package,
//! kept in tests/assets/) for serious or critical accessibility violations.
//!
//! Needs Chromium and chromedriver like the admin page's tests (see `admin_page`).

mod http;

use std::time::Duration;

use crate::admin_page::accounts::reset_token_from_outbox;
use crate::admin_page::browser::{browser_ready, open_browser, run, Browser};
use crate::admin_page::server::Server;
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::{json, Value};

const AXE: &str = include_str!("../../assets/axe.min.js");

/// Runs axe-core on the page as it stands; fails naming every serious or critical violation.
async fn accessible(browser: &Browser, view: &str) {
    let loaded = browser
        .client
        .execute(&format!("{AXE}\n;return typeof axe === 'object';"), vec![])
        .await
        .expect("inject axe-core");
    assert_eq!(loaded, json!(true), "axe-core did not load");
    let found = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then((result) => done(
               result.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
             ), (error) => done(['axe failed: ' + error]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    let violations: Vec<String> = serde_json::from_value(found).expect("a list");
    assert!(
        violations.is_empty(),
        "{view}: accessibility violations: {violations:#?}"
    );
    browser.no_policy_violations().await;
}

async fn type_keys(browser: &Browser, css: &str, keys: &str) {
    let field = browser.find(css).await;
    field.click().await.expect("focus");
    field.send_keys(keys).await.expect("type");
}

async fn sign_in(browser: &Browser, login: &str, secret: &str) {
    browser.open("/?view=sign-in").await;
    browser.fill("#login", login).await;
    browser.fill("#secret", secret).await;
    browser.click("#sign-in-submit").await;
    browser.view("account").await;
}

fn admin_token(server: &Server) -> String {
    let (status, body) = server.http(
        "POST",
        "/users/login",
        None,
        Some(json!({"email": "admin@demo.library", "password": "demo-admin-pass"})),
    );
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_string()
}

fn book_id(server: &Server, title: &str) -> i64 {
    book_id_as(server, None, title)
}

/// The id of the book of this title, looked up with `token` (a members-only catalogue).
fn book_id_as(server: &Server, token: Option<&str>, title: &str) -> i64 {
    let (status, body) = server.http(
        "GET",
        &format!("/books?q={}", title.replace(' ', "%20")),
        token,
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["result"]
        .as_array()
        .and_then(|books| books.iter().find(|b| b["title"] == title))
        .and_then(|b| b["id"].as_i64())
        .unwrap_or_else(|| panic!("no book {title}: {body}"))
}

async fn performance_ms(browser: &Browser) -> Value {
    browser
        .client
        .execute(
            "return { search: Number(document.body.dataset.resultsMs || -1),
                      on_page: Number(document.body.dataset.resultsAt || -1) };",
            vec![],
        )
        .await
        .expect("timings")
}

#[test]
fn a_visitor_searches_with_suggestions_and_opens_a_book() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    run(async {
        let browser = open_browser(&server).await;
        browser.open("/").await;
        browser.view("front").await;
        browser.text_contains("main", &["New in the library"]).await;
        accessible(&browser, "front page").await;
        browser.readme_screenshot("reader-front").await;

        // As-you-type suggestions, chosen from the keyboard.
        type_keys(&browser, "#q", "pride").await;
        browser
            .text_contains("#suggestions", &["Pride and Prejudice"])
            .await;
        let input = browser.find("#q").await;
        input
            .send_keys(&format!("{}{}", Key::Down, Key::Enter))
            .await
            .expect("choose");
        browser.view("book").await;
        let text = browser
            .text_contains("main", &["Pride and Prejudice", "Jane Austen", "F AUS"])
            .await;
        assert!(text.contains("On the shelf"), "{text}");
        assert!(
            browser
                .client
                .current_url()
                .await
                .expect("url")
                .path()
                .starts_with("/book/"),
            "the book has an address to share"
        );
        browser
            .text_contains("main", &["Sign in to place a hold"])
            .await;
        accessible(&browser, "book page").await;
        browser.readme_screenshot("reader-book").await;

        // A search's results: availability with the shelf, and filters.
        browser.fill("#q", "the").await;
        browser.click("#search-submit").await;
        browser.view("results").await;
        browser
            .text_contains("main", &["books found", "on the shelf"])
            .await;
        accessible(&browser, "results").await;
        let timings = performance_ms(&browser).await;
        eprintln!("reader page first render (ms): {timings}");

        browser.click("summary").await;
        browser.click("#f-available").await;
        browser.fill("#f-author", "Frank Herbert").await;
        browser.click("#search-submit").await;
        browser.text_contains("main", &["Dune"]).await;
        let url = browser.client.current_url().await.expect("url");
        assert!(
            url.query().unwrap_or("").contains("available=true"),
            "{url}"
        );

        // The phone width the most readers use.
        browser.set_width(390, 844).await;
        browser.open("/").await;
        browser.view("front").await;
        accessible(&browser, "front page on a phone").await;
        browser.readme_screenshot("reader-phone").await;
        browser.close().await;
    });
}

#[test]
fn a_member_renews_and_places_and_cancels_holds() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    run(async {
        let browser = open_browser(&server).await;
        sign_in(&browser, "maria.garcia@demo.library", "demo-member-pass").await;
        let text = browser
            .text_contains("#my-loans", &["Matilda", "Due"])
            .await;
        assert!(!text.contains("Overdue"), "{text}");
        browser
            .text_contains("#my-holds", &["The Martian", "ready to collect until"])
            .await;
        accessible(&browser, "account").await;
        browser.readme_screenshot("reader-account").await;

        // Renew Matilda: the message names the new due date.
        browser.click("#my-loans .renew").await;
        browser.message("ok", &["Renewed: now due"]).await;

        // Cancel the ready hold from the account.
        browser.click("#my-holds .cancel-hold").await;
        browser.message("ok", &["The hold is cancelled"]).await;
        browser
            .text_contains("#my-holds", &["You have no holds"])
            .await;

        // Place a hold from a book's page, then cancel it there.
        let dune = book_id(&server, "Dune");
        browser.open(&format!("/book/{dune}")).await;
        browser.click("#place-hold").await;
        browser.message("ok", &["Hold placed"]).await;
        browser.find("#cancel-hold").await;
        browser.click("#cancel-hold").await;
        browser.message("ok", &["The hold is cancelled"]).await;
        browser.find("#place-hold").await;
        browser.close().await;
    });
}

#[test]
fn a_refused_renewal_says_why_in_the_readers_language() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    run(async {
        let browser = open_browser(&server).await;
        // Tom has Harry Potter, for which two readers are queueing.
        sign_in(&browser, "tom_okafor@demo.library", "demo-member-pass").await;
        browser.click("#my-loans .renew").await;
        browser
            .text_contains("#my-loans .why", &["Someone else is waiting for this book"])
            .await;

        // The page in German: the switch, the refusal, and the server's own book page.
        let switch = browser.find("#language").await;
        switch.select_by_value("de").await.expect("choose German");
        browser.text_contains("#nav-account", &["Mein Konto"]).await;
        browser.text_contains("#my-loans", &["Verlängern"]).await;
        browser.click("#my-loans .renew").await;
        browser
            .text_contains("#my-loans .why", &["Jemand anderes wartet"])
            .await;
        accessible(&browser, "account in German").await;
        let lang = browser
            .client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .expect("lang");
        assert_eq!(lang, json!("de"));
        let potter = book_id(&server, "Harry Potter and the Philosopher's Stone");
        browser
            .client
            .goto(&format!("{}/book/{potter}", browser.base))
            .await
            .expect("open");
        browser
            .text_contains("main", &["Exemplare", "Ausgeliehen"])
            .await;
        browser.close().await;
    });
}

#[test]
fn a_pupil_signs_in_with_card_and_pin_and_is_signed_out_when_idle_in_kiosk_mode() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    let admin = admin_token(&server);
    let (status, body) = server.http(
        "PATCH",
        "/settings",
        Some(&admin),
        Some(json!({"kiosk_idle_seconds": 10})),
    );
    assert_eq!(status, 200, "{body}");
    run(async {
        let browser = open_browser(&server).await;
        browser.open("/?kiosk=1").await;
        sign_in(&browser, "P000011", "1234").await;
        browser.text_contains("main", &["Hello, Ava Diaz"]).await;
        // Nobody touches the PC: the reader is signed out and the page starts afresh.
        rocket::tokio::time::sleep(Duration::from_secs(11)).await;
        browser.message("ok", &["signed out"]).await;
        browser.view("front").await;
        browser.find("#nav-sign-in:not([hidden])").await;
        // In kiosk mode a reload is a new session too.
        sign_in(&browser, "P000012", "1234").await;
        browser.client.refresh().await.expect("reload");
        browser.find("body[data-ready]").await;
        browser.find("#nav-sign-in:not([hidden])").await;
        browser.close().await;
    });
}

#[test]
fn the_reset_link_from_the_mail_sets_a_new_password_on_the_page() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    let (status, _) = server.http(
        "POST",
        "/users/password/forgot",
        None,
        Some(json!({"email": "li.wei@demo.library"})),
    );
    assert_eq!(status, 200);
    let token = reset_token_from_outbox(&server.outbox());
    let link = format!("/reset-password?token={token}");
    run(async {
        let browser = open_browser(&server).await;
        // A token the server does not know is told in words.
        browser.open("/reset-password?token=not-a-real-token").await;
        browser.fill("#reset-password", "a-new-secret-9").await;
        browser.fill("#reset-confirm", "a-new-secret-9").await;
        browser.click("#reset-submit").await;
        browser.message("error", &["used or has expired"]).await;

        browser.open(&link).await;
        browser.view("reset").await;
        // The token is taken out of the address bar (and so out of the history).
        let address = browser.client.current_url().await.expect("url");
        assert!(!address.as_str().contains(&token), "{address}");
        accessible(&browser, "reset form").await;
        browser.fill("#reset-password", "a-new-secret-9").await;
        browser.fill("#reset-confirm", "not-the-same-9").await;
        browser.click("#reset-submit").await;
        browser.message("error", &["not the same"]).await;
        browser.fill("#reset-confirm", "a-new-secret-9").await;
        browser.click("#reset-submit").await;
        browser.find("#reset-done").await;
        // The spent link says so instead of failing silently.
        browser.open(&link).await;
        browser.fill("#reset-password", "another-secret-9").await;
        browser.fill("#reset-confirm", "another-secret-9").await;
        browser.click("#reset-submit").await;
        browser.message("error", &["used or has expired"]).await;
        sign_in(&browser, "li.wei@demo.library", "a-new-secret-9").await;
        browser.close().await;
    });
}

#[test]
fn a_members_only_catalogue_asks_visitors_to_sign_in() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    let admin = admin_token(&server);
    let (status, body) = server.http(
        "PATCH",
        "/settings",
        Some(&admin),
        Some(json!({"catalogue_members_only": true})),
    );
    assert_eq!(status, 200, "{body}");
    let pride = book_id_as(&server, Some(&admin), "Pride and Prejudice");
    run(async {
        let browser = open_browser(&server).await;
        browser.open("/").await;
        browser.view("sign-in").await;
        browser.text_contains("main", &["for members"]).await;
        browser.open(&format!("/book/{pride}")).await;
        browser.view("sign-in").await;
        let source = browser.client.source().await.expect("source");
        assert!(
            !source.contains("Elizabeth Bennet"),
            "a members-only book leaked into the page"
        );
        browser.fill("#login", "maria.garcia@demo.library").await;
        browser.fill("#secret", "demo-member-pass").await;
        browser.click("#sign-in-submit").await;
        // Signing in goes on to the book that was asked for.
        browser.view("book").await;
        browser
            .text_contains("main", &["Pride and Prejudice"])
            .await;
        browser.close().await;
    });
}

#[test]
fn bad_input_gets_a_clear_message_never_a_blank_page() {
    if !browser_ready() {
        return;
    }
    let server = Server::with_demo();
    let admin = admin_token(&server);
    let prince = book_id(&server, "Le Petit Prince");
    let (status, body) = server.http("DELETE", &format!("/books/{prince}"), Some(&admin), None);
    assert_eq!(status, 200, "{body}");
    run(async {
        let browser = open_browser(&server).await;
        let long = "a".repeat(10_000);
        browser.open(&format!("/?q={long}")).await;
        browser
            .text_contains("main", &["The search is too long"])
            .await;

        browser
            .open("/?q=%F0%9D%94%98%E2%80%AE%F0%9F%98%80%20%00%20%CC%81")
            .await;
        browser.view("results").await;
        browser.text_contains("main", &["Search results"]).await;

        // A deleted book's address, as a reader may have kept it.
        browser.open(&format!("/book/{prince}")).await;
        browser
            .text_contains("main", &["Book not found", "not in the catalogue"])
            .await;
        browser.find("main a[href='/']").await;
        browser.open("/book/not-a-number").await;
        browser.text_contains("main", &["Book not found"]).await;
        accessible(&browser, "missing book").await;
        let rendered = browser
            .client
            .find(Locator::Css("main"))
            .await
            .expect("main")
            .text()
            .await
            .expect("text");
        assert!(!rendered.trim().is_empty());
        browser.close().await;
    });
}
