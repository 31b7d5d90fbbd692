//! In the browser: a librarian adds, finds, lends and takes back a book.

use super::browser::{browser_ready, open_browser, run};
use super::server::Server;
use crate::common;
use crate::common::PASSWORD;

/// Books and circulation, through the page. Enable once the books and loans endpoints are
/// merged into this branch.
#[test]

fn librarian_adds_finds_lends_and_takes_back_a_book() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let mia = server.register("mia");
    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.login("admin@example.org", PASSWORD).await;
        browser.view("books").await;

        // A bad ISBN is refused in words.
        browser.click("#book-new").await;
        browser.fill("#book-title", "Broken").await;
        browser.fill("#book-author", "Nobody").await;
        browser.fill("#book-isbn", "978-0-306-40615-8").await;
        browser.click("#book-save").await;
        browser.message("error", &["BAD REQUEST", "isbn:"]).await;

        // Add a book with a good one (ISBN-10 input, stored as ISBN-13).
        browser
            .fill("#book-title", "The Left Hand of Darkness")
            .await;
        browser.fill("#book-author", "Ursula K. Le Guin").await;
        browser.fill("#book-isbn", "0-306-40615-2").await;
        browser.fill("#book-copies", "2").await;
        browser.fill("#book-tags", "science fiction, classic").await;
        browser.click("#book-save").await;
        browser
            .message("ok", &["Added", "The Left Hand of Darkness"])
            .await;

        // Find it by search.
        browser.fill("#book-q", "darkness").await;
        browser.click("#book-search-submit").await;
        let row = browser
            .text_contains(
                "#books-table tbody",
                &["Ursula K. Le Guin", "9780306406157", "2 of 2"],
            )
            .await;
        assert!(row.contains("The Left Hand of Darkness"));

        // Edit it: only the changed field goes out, and the list shows the result.
        browser
            .click("#books-table tbody tr button[data-action=\"edit\"]")
            .await;
        browser.fill("#book-copies", "3").await;
        browser.click("#book-save").await;
        browser
            .message("ok", &["Saved", "The Left Hand of Darkness"])
            .await;
        browser
            .text_contains("#books-table tbody", &["3 of 3"])
            .await;

        // Give it a cover.
        let cover = server.dir.path().join("cover.png");
        std::fs::write(&cover, common::png(60, 90)).expect("write cover");
        browser
            .click("#books-table tbody tr button[data-action=\"edit\"]")
            .await;
        browser
            .find("#book-cover")
            .await
            .send_keys(&cover.display().to_string())
            .await
            .expect("choose cover");
        browser.click("#book-cover-upload").await;
        browser.message("ok", &["New cover"]).await;
        browser.find("#books-table tbody tr img.thumb").await;
        browser.click("#book-cancel").await;
        browser.screenshot("books-list-desktop").await;

        // Lend it to mia from its row.
        browser
            .click("#books-table tbody tr button[data-action=\"lend\"]")
            .await;
        browser.view("loans").await;
        browser.fill("#lend-member", "mia").await;
        browser.click("#lend-submit").await;
        browser.message("ok", &["Lent", "to mia"]).await;
        browser
            .text_contains(
                "#loans-table tbody",
                &["The Left Hand of Darkness", "mia", "active"],
            )
            .await;
        let token = server.login("admin");
        let (_, loans) = server.http(
            "GET",
            &format!("/loans?user_id={mia}&status=active"),
            Some(&token),
            None,
        );
        assert_eq!(loans["result"].as_array().map(Vec::len), Some(1), "{loans}");
        browser.screenshot("loans-list-desktop").await;
        browser.set_width(390, 844).await;
        browser.screenshot("loans-list-phone").await;

        // Take it back.
        browser
            .click("#loans-table tbody tr[data-status=\"active\"] button[data-action=\"return\"]")
            .await;
        browser.message("ok", &["returned"]).await;
        let (_, loans) = server.http(
            "GET",
            &format!("/loans?user_id={mia}&status=active"),
            Some(&token),
            None,
        );
        assert_eq!(loans["result"].as_array().map(Vec::len), Some(0), "{loans}");

        // The holds queue loads (empty here).
        browser.click("#nav a[data-view=\"holds\"]").await;
        browser.view("holds").await;
        browser.find("#holds-empty:not([hidden])").await;

        browser.no_policy_violations().await;
        browser.close().await;
    });
}
