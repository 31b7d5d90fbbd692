//! In the browser: the circulation desk driven from the keyboard alone, the way a USB
//! barcode scanner drives it (it types the code and presses Enter into whatever has the
//! focus), and a patron's notices sent from their panel to a real SMTP listener.

use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use super::browser::{browser_ready, open_browser, run, Browser};
use super::server::Server;
use crate::common::process::{json_call, start_logged};
use crate::common::smtp::serve_listener;
use crate::common::PASSWORD;
use fantoccini::key::Key;
use library_server::models::now;
use serde_json::{json, Value};

/// Types `code` and Enter into the focused element, as a scanner does, after checking that
/// the focus is where the desk promises: on its scan field.
async fn scan(browser: &Browser, code: &str) {
    let focused = browser
        .client
        .active_element()
        .await
        .expect("a focused element");
    let id = focused.attr("id").await.expect("id attribute");
    assert_eq!(
        id.as_deref(),
        Some("desk-scan"),
        "the scan field lost the focus"
    );
    focused
        .send_keys(&format!("{code}{}", Key::Enter))
        .await
        .expect("scan");
}

/// Presses one key in the focused element.
async fn press(browser: &Browser, key: Key) {
    let focused = browser
        .client
        .active_element()
        .await
        .expect("a focused element");
    focused.send_keys(&key.to_string()).await.expect("key");
}

pub(super) fn ok(server: &Server, token: &str, method: &str, path: &str, body: Value) -> Value {
    let (status, reply) = server.http(method, path, Some(token), Some(body));
    assert!((200..300).contains(&status), "{method} {path}: {reply}");
    reply["result"].clone()
}

/// A patron with a full name, group and card, as the desk shows them.
fn patron(
    server: &Server,
    admin: &str,
    name: &str,
    full_name: &str,
    group: &str,
    card: &str,
) -> i64 {
    let id = server.register(name);
    ok(
        server,
        admin,
        "PATCH",
        &format!("/patrons/{id}"),
        json!({"full_name": full_name, "group": group, "card_number": card}),
    );
    id
}

/// A book with one copy, labelled `barcode`.
pub(super) fn book_with_copy(
    server: &Server,
    admin: &str,
    title: &str,
    author: &str,
    barcode: &str,
) -> i64 {
    let book = ok(
        server,
        admin,
        "POST",
        "/books",
        json!({"title": title, "author": author, "copies": 0}),
    );
    let id = book["id"].as_i64().expect("book id");
    ok(
        server,
        admin,
        "POST",
        &format!("/books/{id}/items"),
        json!({"barcode": barcode}),
    );
    id
}

pub(super) fn item(server: &Server, token: &str, barcode: &str) -> Value {
    let (status, reply) = server.http(
        "GET",
        &format!("/items/barcode/{barcode}"),
        Some(token),
        None,
    );
    assert_eq!(status, 200, "{reply}");
    reply["result"].clone()
}

fn panel(server: &Server, token: &str, patron: i64) -> Value {
    let (status, reply) = server.http("GET", &format!("/patrons/{patron}"), Some(token), None);
    assert_eq!(status, 200, "{reply}");
    reply["result"].clone()
}

#[test]
fn the_desk_lends_renews_and_checks_in_by_scanner() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    let ana = patron(&server, &admin, "ana", "Ana Lima", "5B", "C5001");
    let ben = patron(&server, &admin, "ben", "Ben Okafor", "4A", "C4002");
    let dune = book_with_copy(&server, &admin, "Dune", "Frank Herbert", "100001");
    book_with_copy(&server, &admin, "Emma", "Jane Austen", "100002");
    // Ben has a book a month overdue, for his panel to mark.
    book_with_copy(&server, &admin, "Matilda", "Roald Dahl", "100003");
    ok(
        &server,
        &admin,
        "POST",
        "/loans",
        json!({"barcode": "100003", "card_number": "C4002"}),
    );
    rusqlite::Connection::open(server.dir.path().join("library.db"))
        .expect("open the database")
        .execute(
            "UPDATE loans SET borrowed_at = borrowed_at - 2592000, due_at = due_at - 2592000",
            [],
        )
        .expect("backdate Ben's loan");

    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.login("admin@example.org", PASSWORD).await;
        browser.view("books").await;
        browser.click("#nav a[data-view=\"desk\"]").await;
        browser.view("desk").await;

        // A copy scanned before any card: said in words, in the error colour.
        scan(&browser, "100002").await;
        browser
            .text_contains(
                "#desk-say[data-kind=\"error\"]",
                &["100002 is a copy's barcode, not a library card"],
            )
            .await;

        // The card opens Ana's panel.
        scan(&browser, "C5001").await;
        browser
            .text_contains(
                "#desk-patron",
                &["Ana Lima (5B)", "Card C5001", "Nothing on loan"],
            )
            .await;
        let anas = browser.text_contains("#desk-patron", &[]).await;
        assert!(
            !anas.contains("null") && !anas.contains("overdue"),
            "{anas}"
        );

        // Two copies, each lent and confirmed.
        scan(&browser, "100001").await;
        browser
            .text_contains("#desk-log", &["Lent: Dune — 100001, due"])
            .await;
        scan(&browser, "100002").await;
        browser
            .text_contains("#desk-log", &["Lent: Emma — 100002, due"])
            .await;
        browser
            .text_contains(
                "#desk-patron",
                &["On loan (2)", "Dune", "Emma", "100001", "100002"],
            )
            .await;
        let loans = panel(&server, &admin, ana)["loans"].clone();
        assert_eq!(loans.as_array().map(Vec::len), Some(2), "{loans}");
        assert_eq!(
            item(&server, &admin, "100002")["on_loan_to"]["name"],
            "Ana Lima (5B)"
        );

        // An unknown code: the API's reason, in words, and nothing lent.
        scan(&browser, "NOPE-404").await;
        browser
            .text_contains(
                "#desk-say[data-kind=\"error\"]",
                &["No copy has the barcode NOPE-404"],
            )
            .await;
        browser
            .text_contains("#desk-log .log-error", &["NOPE-404"])
            .await;
        assert_eq!(
            panel(&server, &admin, ana)["loans"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );

        // Renew Emma from the panel, by keyboard: focus its button, press Enter.
        let emma = loans
            .as_array()
            .and_then(|all| all.iter().find(|l| l["title"] == "Emma"))
            .expect("Emma's loan")["id"]
            .as_i64()
            .expect("loan id");
        let renew = browser
            .find(&format!(
                "#desk-loans tr[data-loan-id=\"{emma}\"] button[data-action=\"renew\"]"
            ))
            .await;
        browser
            .client
            .execute(
                "arguments[0].focus();",
                vec![serde_json::to_value(&renew).expect("element")],
            )
            .await
            .expect("focus the renew button");
        press(&browser, Key::Enter).await;
        browser
            .text_contains("#desk-log", &["Renewed: Emma — 100002, now due"])
            .await;
        let (_, renewed) = server.http("GET", &format!("/loans/{emma}"), Some(&admin), None);
        assert_eq!(renewed["result"]["renewals"], 1, "{renewed}");

        // Ben waits for Dune; F2 switches to check-in, and Dune comes back to him.
        ok(
            &server,
            &admin,
            "POST",
            &format!("/books/{dune}/holds"),
            json!({"user_id": ben}),
        );
        browser.find("#desk-scan:focus").await;
        press(&browser, Key::F2).await;
        browser
            .find("#desk-mode-return[aria-pressed=\"true\"]")
            .await;
        browser
            .text_contains("#desk-scan-label", &["Check in"])
            .await;
        scan(&browser, "100001").await;
        browser
            .text_contains(
                "#desk-say[data-kind=\"hold-shelf\"]",
                &[
                    "Put on the hold shelf for Ben Okafor (4A)",
                    "Returned: Dune — 100001",
                ],
            )
            .await;
        let dune_copy = item(&server, &admin, "100001");
        assert_eq!(dune_copy["status"], "on_hold_shelf", "{dune_copy}");
        assert_eq!(dune_copy["held_for"]["name"], "Ben Okafor (4A)");
        let bens = panel(&server, &admin, ben);
        assert_eq!(bens["holds"][0]["status"], "ready", "{bens}");
        // Ana's panel follows: one book out now.
        browser
            .text_contains("#desk-patron", &["Ana Lima (5B)", "On loan (1)", "Emma"])
            .await;
        browser.find("#desk-scan:focus").await;
        browser.screenshot("desk").await;
        browser.readme_screenshot("desk").await;

        // Escape finishes Ana; back in lend mode the next card opens the next patron.
        press(&browser, Key::Escape).await;
        browser
            .text_contains("#desk-patron", &["No patron yet"])
            .await;
        press(&browser, Key::F2).await;
        browser.find("#desk-mode-lend[aria-pressed=\"true\"]").await;
        scan(&browser, "C4002").await;
        let bens = browser
            .text_contains(
                "#desk-patron",
                &[
                    "Ben Okafor (4A)",
                    "1 overdue",
                    "Matilda",
                    "Overdue",
                    "Ready",
                    "Dune — 100001",
                ],
            )
            .await;
        assert!(!bens.contains("null"), "{bens}");
        browser
            .find("#desk-loans tr[data-status=\"overdue\"] .badge-overdue")
            .await;
        // His overdue book must come back before he takes the one kept for him.
        scan(&browser, "100001").await;
        browser
            .text_contains(
                "#desk-say[data-kind=\"error\"]",
                &["Ben Okafor (4A) has 1 overdue"],
            )
            .await;
        assert_eq!(item(&server, &admin, "100001")["status"], "on_hold_shelf");

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn a_patron_without_a_card_is_found_by_name() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    patron(&server, &admin, "ana", "Ana Lima", "5B", "C5001");
    patron(&server, &admin, "ben", "Ben Okafor", "4A", "C4002");
    book_with_copy(&server, &admin, "Dune", "Frank Herbert", "100001");

    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.login("admin@example.org", PASSWORD).await;
        browser.view("books").await;
        browser.click("#nav a[data-view=\"desk\"]").await;
        browser.view("desk").await;
        browser.click("#desk-find summary").await;
        browser.fill("#desk-search-q", "lima").await;
        press(&browser, Key::Enter).await;
        browser
            .text_contains("#desk-search-results", &["Ana Lima (5B)", "card C5001"])
            .await;
        // The first one found has the focus: Enter opens the panel, then scanning goes on.
        press(&browser, Key::Enter).await;
        browser
            .text_contains("#desk-patron", &["Ana Lima (5B)", "Card C5001"])
            .await;
        browser.find("#desk-scan:focus").await;
        scan(&browser, "100001").await;
        browser
            .text_contains("#desk-log", &["Lent: Dune — 100001"])
            .await;
        assert_eq!(
            item(&server, &admin, "100001")["on_loan_to"]["name"],
            "Ana Lima (5B)"
        );
        browser.no_policy_violations().await;
        browser.close().await;
    });
}

// ---- "Send notices now", on the server process with its mail going to loopback SMTP ----

/// A call to the server process that must succeed; the whole answer. A process, as in
/// notices.rs, because only the binary takes its mail server from the environment.
fn call(port: u16, token: Option<&str>, method: &str, path: &str, body: Value) -> Value {
    let (status, reply) = json_call(port, method, path, token, &body);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {reply}"
    );
    reply
}

#[test]
fn send_notices_now_tells_the_patron_once_and_says_what_went() {
    if !browser_ready() {
        return;
    }
    // The mail port takes connections but does not answer yet: the first mail waits there,
    // and the page with it.
    let smtp = TcpListener::bind("127.0.0.1:0").expect("a mail port");
    let smtp_port = smtp.local_addr().expect("the mail port").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let process = start_logged(
        dir.path(),
        &[],
        &[
            ("LIBRARY_SMTP_HOST", "127.0.0.1"),
            ("LIBRARY_SMTP_PORT", &smtp_port.to_string()),
            ("LIBRARY_SMTP_TLS", "none"),
        ],
    );
    let port = process.port;
    call(
        port,
        None,
        "POST",
        "/users/register",
        json!({"email": "admin@example.org", "username": "admin", "password": PASSWORD}),
    );
    let login = call(
        port,
        None,
        "POST",
        "/users/login",
        json!({"email": "admin@example.org", "password": PASSWORD}),
    );
    let admin = login["access_token"].as_str().expect("token");
    // Ann and Cat have an e-mail address, Ben has none; each has a book out, overdue.
    for (full_name, email, group, card, title) in [
        (
            "Ann Reader",
            Some("ann@example.org"),
            "7A",
            "C7001",
            "The Night Garden",
        ),
        ("Ben Pupil", None, "5B", "C5001", "Emil and the Detectives"),
        ("Cat Lee", Some("cat@example.org"), "7A", "C7002", "Momo"),
    ] {
        call(
            port,
            Some(admin),
            "POST",
            "/patrons",
            json!({"full_name": full_name, "email": email, "group": group, "card_number": card}),
        );
        let book = call(
            port,
            Some(admin),
            "POST",
            "/books",
            json!({"title": title, "author": "A. Writer", "copies": 1}),
        );
        call(
            port,
            Some(admin),
            "POST",
            "/loans",
            json!({"book_id": book["result"]["id"], "card_number": card}),
        );
    }
    rusqlite::Connection::open(dir.path().join("library.db"))
        .expect("open the database")
        .execute("UPDATE loans SET due_at = ?1", [now() - 3 * 86_400])
        .expect("backdate the loans");
    // `open_browser` takes an in-process server only for its address: this one lends it
    // one, and the browser is then pointed at the server process.
    let stand_in = Server::start();

    run(async {
        let mut browser = open_browser(&stand_in).await;
        browser.base = format!("http://127.0.0.1:{port}");
        browser.open("/admin").await;
        browser.login("admin@example.org", PASSWORD).await;
        browser.view("books").await;
        browser.click("#nav a[data-view=\"desk\"]").await;
        browser.view("desk").await;

        scan(&browser, "C7001").await;
        browser
            .text_contains(
                "#desk-patron",
                &["Ann Reader (7A)", "1 overdue", "Mails to ann@example.org"],
            )
            .await;
        browser.find("#desk-notices-said[hidden]").await;
        browser.click("#desk-send-notices").await;
        // While the mail server keeps the mail waiting, the button takes no second press,
        // and the scanner has its field back.
        browser.find("#desk-send-notices:disabled").await;
        browser
            .text_contains(
                "#desk-notices-said[data-kind=\"busy\"]",
                &["Sending notices"],
            )
            .await;
        browser.find("#desk-scan:focus").await;
        // The mail server answers, for this one mail only.
        let (sender, inbox) = mpsc::channel();
        std::thread::spawn(move || serve_listener(smtp, 1, &sender));
        browser
            .text_contains(
                "#desk-notices-said[data-kind=\"ok\"]",
                &["Sent 1 mail to Ann Reader (7A)."],
            )
            .await;
        browser.find("#desk-send-notices:enabled").await;
        let mail = inbox
            .recv_timeout(Duration::from_secs(10))
            .expect("Ann's mail");
        assert_eq!(mail.rcpt_to, vec!["<ann@example.org>".to_string()]);
        assert!(
            mail.data
                .contains("Subject: Overdue (reminder 1): The Night Garden"),
            "{}",
            mail.data
        );
        browser.screenshot("desk-notices").await;

        // Pressed again: told before, so nothing goes out.
        browser.click("#desk-send-notices").await;
        browser
            .text_contains(
                "#desk-notices-said[data-kind=\"none\"]",
                &["Nothing new to send to Ann Reader (7A): every notice due was sent before."],
            )
            .await;
        assert!(inbox.try_recv().is_err(), "a second mail went out");

        // Ben has no e-mail: his notice is a slip for his class.
        browser.find("#desk-scan:focus").await;
        press(&browser, Key::Escape).await;
        browser
            .text_contains("#desk-patron", &["No patron yet"])
            .await;
        scan(&browser, "C5001").await;
        browser
            .text_contains(
                "#desk-patron",
                &["Ben Pupil (5B)", "No e-mail: slips to print for 5B"],
            )
            .await;
        browser.find("#desk-notices-said[hidden]").await;
        browser.click("#desk-send-notices").await;
        browser
            .text_contains(
                "#desk-notices-said[data-kind=\"slip\"]",
                &["1 slip to print for 5B (see Notices)."],
            )
            .await;
        let slips = call(port, Some(admin), "GET", "/notices/slips", Value::Null);
        assert_eq!(slips["result"].as_array().map(Vec::len), Some(1), "{slips}");
        assert_eq!(slips["result"][0]["group"], "5B", "{slips}");

        // The mail server is gone by Cat's turn: the page says so, and where to look.
        browser.find("#desk-scan:focus").await;
        press(&browser, Key::Escape).await;
        scan(&browser, "C7002").await;
        browser
            .text_contains("#desk-patron", &["Cat Lee (7A)"])
            .await;
        browser.click("#desk-send-notices").await;
        browser
            .text_contains(
                "#desk-notices-said[data-kind=\"error\"]",
                &[
                    "1 new mail for Cat Lee (7A).",
                    "1 mail could not be sent; it is tried again later and shows in Notices.",
                ],
            )
            .await;
        browser.find("#desk-send-notices:enabled").await;
        let mails = call(
            port,
            Some(admin),
            "GET",
            "/notices?channel=mail",
            Value::Null,
        );
        let statuses: Vec<(&str, &str)> = mails["result"]
            .as_array()
            .expect("mails")
            .iter()
            .map(|n| {
                (
                    n["recipient"].as_str().unwrap_or_default(),
                    n["status"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(statuses.len(), 2, "{mails}");
        assert!(statuses.contains(&("ann@example.org", "sent")), "{mails}");
        assert!(
            statuses.contains(&("cat@example.org", "pending")),
            "{mails}"
        );

        browser.no_policy_violations().await;
        browser.close().await;
    });
}
