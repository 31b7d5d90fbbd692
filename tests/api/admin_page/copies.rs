//! In the browser: a book's copies, opened from its row in the catalogue.

use super::browser::{browser_ready, open_browser, run};
use super::desk::{book_with_copy, item};
use super::server::Server;
use crate::common::PASSWORD;

#[test]
fn a_books_copies_are_added_and_marked_lost_on_its_page() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    let kindred = book_with_copy(&server, &admin, "Kindred", "Octavia E. Butler", "KIN-1");

    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.login("admin@example.org", PASSWORD).await;
        browser.view("books").await;
        browser
            .click("#books-table tbody tr button[data-action=\"copies\"]")
            .await;
        browser
            .text_contains(
                "#copies-panel",
                &["Copies of “Kindred”", "KIN-1", "on the shelf"],
            )
            .await;

        // A second copy with the barcode on its label.
        browser.fill("#copy-barcode", "KIN-2").await;
        browser.fill("#copy-location", "Returns trolley").await;
        browser.click("#copy-add-submit").await;
        browser
            .message("ok", &["Added copy KIN-2", "Kindred"])
            .await;
        browser.count("#copies-table tbody tr", 2).await;
        browser
            .text_contains(
                "#copies-table tr[data-barcode=\"KIN-2\"]",
                &["Returns trolley"],
            )
            .await;
        browser
            .text_contains("#books-table tbody", &["2 of 2"])
            .await;

        // The same label twice is refused in words.
        browser.fill("#copy-barcode", "KIN-2").await;
        browser.click("#copy-add-submit").await;
        browser.message("error", &["barcode"]).await;
        browser.count("#copies-table tbody tr", 2).await;

        // KIN-1 is lost: it no longer counts as a copy.
        browser
            .click("#copies-table tr[data-barcode=\"KIN-1\"] button[data-action=\"lost\"]")
            .await;
        browser.message("ok", &["KIN-1 is marked lost"]).await;
        browser
            .find("#copies-table tr[data-barcode=\"KIN-1\"][data-status=\"lost\"]")
            .await;
        browser
            .text_contains("#books-table tbody", &["1 of 1"])
            .await;
        assert_eq!(item(&server, &admin, "KIN-1")["status"], "lost");
        let (_, book) = server.http("GET", &format!("/books/{kindred}"), Some(&admin), None);
        assert_eq!(book["result"]["copies"], 1, "{book}");

        // Found again, then KIN-2 withdrawn (after saying yes to the question).
        browser
            .click("#copies-table tr[data-barcode=\"KIN-1\"] button[data-action=\"found\"]")
            .await;
        browser.message("ok", &["KIN-1 is found again"]).await;
        assert_eq!(item(&server, &admin, "KIN-1")["status"], "available");
        browser
            .click("#copies-table tr[data-barcode=\"KIN-2\"] button[data-action=\"withdraw\"]")
            .await;
        browser
            .client
            .accept_alert()
            .await
            .expect("confirm withdrawal");
        browser.message("ok", &["KIN-2 is withdrawn"]).await;
        assert_eq!(item(&server, &admin, "KIN-2")["status"], "withdrawn");

        browser.no_policy_violations().await;
        browser.close().await;
    });
}
