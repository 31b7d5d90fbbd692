//! In the browser: patrons as a school keeps them. Staff add, find, block, unblock and
//! mark patrons as left, an admin erases one; a class list is previewed and imported; a
//! group ends its school year; the desk says why a blocked patron cannot borrow; the audit
//! log and the settings, for an admin.

use super::browser::{browser_ready, open_browser, run, Browser};
use super::desk::{book_with_copy, ok};
use super::server::Server;
use crate::common::PASSWORD;
use fantoccini::key::Key;
use serde_json::{json, Value};

/// Types into whatever has the focus, as a person at the keyboard (or a scanner) does.
async fn type_in(browser: &Browser, text: &str) {
    browser
        .client
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(text)
        .await
        .expect("type");
}

/// The `result` of a GET that must succeed.
fn got(server: &Server, token: &str, path: &str) -> Value {
    let (status, reply) = server.http("GET", path, Some(token), None);
    assert_eq!(status, 200, "GET {path}: {reply}");
    reply["result"].clone()
}

/// The one patron with this card.
fn by_card(server: &Server, token: &str, card: &str) -> Value {
    let found = got(server, token, &format!("/patrons?q={card}"));
    let all = found.as_array().expect("a list");
    let hits: Vec<&Value> = all.iter().filter(|p| p["card_number"] == card).collect();
    assert_eq!(hits.len(), 1, "card {card}: {found}");
    hits[0].clone()
}

fn add_patron(server: &Server, token: &str, body: Value) -> i64 {
    ok(server, token, "POST", "/patrons", body)["id"]
        .as_i64()
        .expect("patron id")
}

async fn open_as_admin(browser: &Browser, view: &str) {
    browser.open("/admin").await;
    browser.login("admin@example.org", PASSWORD).await;
    browser.view("books").await;
    browser
        .click(&format!("#nav a[data-view=\"{view}\"]"))
        .await;
    browser.view(view).await;
}

fn row(id: i64) -> String {
    format!("#members-table tr[data-user-id=\"{id}\"]")
}

#[test]
fn staff_add_find_block_and_retire_patrons() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    let ben = add_patron(
        &server,
        &admin,
        json!({"full_name": "Ben Okafor", "group": "4A", "card_number": "C4002"}),
    );
    let cara = add_patron(
        &server,
        &admin,
        json!({"full_name": "Cara Diaz", "group": "5B"}),
    );
    book_with_copy(&server, &admin, "Dune", "Frank Herbert", "100001");
    book_with_copy(&server, &admin, "Emma", "Jane Austen", "100002");

    run(async {
        let browser = open_browser(&server).await;
        open_as_admin(&browser, "members").await;
        browser
            .text_contains(
                "#members-table tbody",
                &["Ben Okafor", "C4002", "Cara Diaz"],
            )
            .await;

        // Add Ana from the form, by keyboard: Tab between the fields, Enter saves.
        browser.click("#patron-new").await;
        browser.find("#patron-full-name:focus").await;
        type_in(&browser, "Ana Lima").await;
        type_in(&browser, &format!("{}5B{}C5001", Key::Tab, Key::Tab)).await;
        browser.fill("#patron-phone", "555 0101").await;
        browser.fill("#patron-note", "Allergic to dust").await;
        browser.fill("#patron-pin", "4321").await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser
            .message("ok", &["Added Ana Lima (5B), card C5001"])
            .await;
        browser.find("#patron-form[hidden]").await;
        let ana = by_card(&server, &admin, "C5001");
        assert_eq!(ana["full_name"], "Ana Lima", "{ana}");
        assert_eq!(ana["group"], "5B", "{ana}");
        assert_eq!(ana["phone"], "555 0101", "{ana}");
        assert_eq!(ana["note"], "Allergic to dust", "{ana}");
        assert_eq!(ana["status"], "active", "{ana}");
        assert_eq!(ana["can_sign_in"], true, "{ana}");
        let ana = ana["id"].as_i64().expect("id");

        // A card already held is refused, in the form's words.
        browser.click("#patron-new").await;
        browser.fill("#patron-full-name", "Ana Again").await;
        browser.fill("#patron-card", "C4002").await;
        browser.click("#patron-save").await;
        browser.message("error", &["Card number"]).await;
        browser.find("#patron-card[aria-invalid=\"true\"]").await;
        browser.click("#patron-cancel").await;

        // Search by card, then by group.
        browser.fill("#member-q", "C4002").await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser.count("#members-table tbody tr", 1).await;
        browser.find(&row(ben)).await;
        browser.fill("#member-q", "").await;
        browser.fill("#patron-group-filter", "5B").await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser.count("#members-table tbody tr", 2).await;
        browser.find(&row(ana)).await;
        browser.find(&row(cara)).await;

        // Edit Ana: a new group, sent alone.
        browser
            .click(&format!("{} button[data-action=\"edit\"]", row(ana)))
            .await;
        browser.fill("#patron-group", "5C").await;
        browser.click("#patron-save").await;
        browser.message("ok", &["Saved Ana Lima (5C)"]).await;
        assert_eq!(by_card(&server, &admin, "C5001")["group"], "5C");

        // Block Ana, saying why; the list shows the reason.
        browser.fill("#patron-group-filter", "").await;
        browser.click("#member-search-submit").await;
        browser
            .click(&format!("{} button[data-action=\"block\"]", row(ana)))
            .await;
        browser.find("#patron-block-reason:focus").await;
        type_in(&browser, &format!("Three books lost{}", Key::Enter)).await;
        browser
            .message("ok", &["Ana Lima is blocked: Three books lost"])
            .await;
        browser
            .text_contains(&row(ana), &["Blocked", "Three books lost"])
            .await;
        browser.readme_screenshot("patrons").await;
        let blocked = by_card(&server, &admin, "C5001");
        assert_eq!(blocked["status"], "blocked", "{blocked}");
        assert_eq!(blocked["blocked_reason"], "Three books lost", "{blocked}");
        browser.screenshot("patrons-desktop").await;

        // At the desk her card opens a panel that says why she cannot borrow, and a copy
        // scanned anyway is refused.
        browser.click("#nav a[data-view=\"desk\"]").await;
        browser.view("desk").await;
        browser.find("#desk-scan:focus").await;
        type_in(&browser, &format!("C5001{}", Key::Enter)).await;
        browser
            .text_contains(
                "#desk-blocked[data-code=\"patron_blocked\"]",
                &["Cannot borrow"],
            )
            .await;
        browser
            .text_contains(
                "#desk-say[data-kind=\"blocked\"]",
                &["Cannot borrow", "Ana Lima"],
            )
            .await;
        browser.find("#desk-scan:focus").await;
        type_in(&browser, &format!("100001{}", Key::Enter)).await;
        browser.find("#desk-say[data-kind=\"error\"]").await;
        let (_, out) = server.http("GET", "/items/barcode/100001", Some(&admin), None);
        assert_eq!(out["result"]["status"], "available", "{out}");
        browser.screenshot("desk-blocked").await;

        // Unblocked, she borrows.
        browser.click("#nav a[data-view=\"members\"]").await;
        browser.view("members").await;
        browser
            .click(&format!("{} button[data-action=\"unblock\"]", row(ana)))
            .await;
        browser.message("ok", &["Ana Lima is unblocked"]).await;
        assert_eq!(by_card(&server, &admin, "C5001")["status"], "active");
        ok(
            &server,
            &admin,
            "POST",
            "/loans",
            json!({"barcode": "100002", "card_number": "C5001"}),
        );

        // Ben leaves: he is kept, marked as left.
        browser
            .click(&format!("{} button[data-action=\"leave\"]", row(ben)))
            .await;
        browser
            .message("ok", &["Ben Okafor is marked as left"])
            .await;
        browser
            .text_contains(&format!("{}[data-status=\"left\"]", row(ben)), &["Left"])
            .await;
        assert_eq!(by_card(&server, &admin, "C4002")["status"], "left");

        // Erasing someone with a book out is refused, in words; Cancel backs out.
        browser
            .click(&format!("{} button[data-action=\"erase\"]", row(ana)))
            .await;
        browser
            .text_contains("#patron-erase-what", &["Ana Lima (5C)", "C5001"])
            .await;
        browser.click("#patron-erase-submit").await;
        browser
            .message(
                "error",
                &["Ana Lima (5C) still has 1 book", "check them in first"],
            )
            .await;
        assert_eq!(by_card(&server, &admin, "C5001")["erased"], false);

        // Cara is erased after the confirm step.
        browser
            .click(&format!("{} button[data-action=\"erase\"]", row(cara)))
            .await;
        browser.find("#patron-erase-cancel:focus").await;
        browser.click("#patron-erase-submit").await;
        browser
            .message("ok", &["personal data of Cara Diaz (5B) is erased"])
            .await;
        let (_, erased) = server.http("GET", &format!("/patrons/{cara}"), Some(&admin), None);
        let erased = &erased["result"]["patron"];
        assert_eq!(erased["erased"], true, "{erased}");
        assert_eq!(erased["full_name"], Value::Null, "{erased}");
        assert_eq!(erased["status"], "left", "{erased}");
        browser.text_contains(&row(cara), &["Erased"]).await;

        // A status filter narrows the list.
        browser
            .find("#patron-status-filter")
            .await
            .select_by_value("left")
            .await
            .expect("choose left");
        browser.count("#members-table tbody tr", 2).await;
        browser.find(&row(ben)).await;

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn a_class_list_is_previewed_then_imported() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    // Dan is already here: his card in the list updates him.
    let dan = add_patron(
        &server,
        &admin,
        json!({"full_name": "Dan Wu", "group": "4B", "card_number": "K300"}),
    );
    let flawed = server.dir.path().join("5b-flawed.csv");
    std::fs::write(
        &flawed,
        "name,group,card_number\nEva Stone,5B,K100\n,5B,K101\nFinn Berg,5B,K100\nDan Wu,5B,K300\n",
    )
    .expect("write the flawed list");
    let clean = server.dir.path().join("5b.csv");
    std::fs::write(
        &clean,
        "name,group,card_number\nEva Stone,5B,K100\nFinn Berg,5B,K102\nDan Wu,5B,K300\n",
    )
    .expect("write the clean list");

    run(async {
        let browser = open_browser(&server).await;
        open_as_admin(&browser, "classes").await;

        // A list with a line without a name and a card twice: shown line by line, and
        // Import stays off.
        browser
            .find("#class-file")
            .await
            .send_keys(&flawed.display().to_string())
            .await
            .expect("choose the file");
        browser.click("#class-preview").await;
        browser
            .text_contains(
                "#class-summary",
                &["Preview", "rejected", "Fix the rejected"],
            )
            .await;
        browser
            .find("#class-rows tr[data-line=\"3\"][data-action=\"reject\"]")
            .await;
        browser
            .text_contains("#class-rows tbody", &["Eva Stone", "Dan Wu", "Rejected"])
            .await;
        let problems = browser
            .text_contains("#class-rows tr[data-action=\"reject\"] td.problems", &[])
            .await;
        assert!(!problems.is_empty(), "a rejected line says why");
        browser.find("#class-import-submit:disabled").await;
        browser.readme_screenshot("class-list").await;
        let found = got(&server, &admin, "/patrons?group=5B");
        assert_eq!(
            found.as_array().map(Vec::len),
            Some(0),
            "a preview writes nothing: {found}"
        );
        browser.screenshot("class-import-rejected").await;

        // The corrected list previews clean; Import does it.
        browser
            .find("#class-file")
            .await
            .send_keys(&clean.display().to_string())
            .await
            .expect("choose the file");
        browser.find("#class-import-submit:disabled").await;
        browser.click("#class-preview").await;
        browser
            .text_contains(
                "#class-summary",
                &["2 new, 1 updated, 0 unchanged, 0 rejected"],
            )
            .await;
        browser.find("#class-rows tr[data-action=\"update\"]").await;
        browser.find("#class-import-submit:enabled").await;
        browser.click("#class-import-submit").await;
        browser
            .message("ok", &["Class list imported: 2 new, 1 updated"])
            .await;
        browser.find("#class-import-submit:disabled").await;
        let found = got(&server, &admin, "/patrons?group=5B");
        let mut names: Vec<&str> = found
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|p| p["full_name"].as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["Dan Wu", "Eva Stone", "Finn Berg"], "{found}");
        assert_eq!(by_card(&server, &admin, "K300")["id"], dan);
        assert_eq!(by_card(&server, &admin, "K102")["full_name"], "Finn Berg");

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn a_group_ends_its_school_year() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    for (name, card) in [
        ("Gia Rossi", "Y1"),
        ("Hal Moss", "Y2"),
        ("Ivo Petrov", "Y3"),
    ] {
        add_patron(
            &server,
            &admin,
            json!({"full_name": name, "group": "5B", "card_number": card}),
        );
    }
    add_patron(
        &server,
        &admin,
        json!({"full_name": "Jun Ito", "group": "5A", "card_number": "Y9"}),
    );

    run(async {
        let browser = open_browser(&server).await;
        open_as_admin(&browser, "classes").await;

        // A card from another group is refused, in words, and nothing changes.
        browser.fill("#year-group", "5B").await;
        browser.fill("#year-new-group", "6B").await;
        browser.fill("#year-cards", "Y1, Y9").await;
        browser.click("#year-preview").await;
        browser.message("error", &["Y9"]).await;
        browser.find("#year-confirm:disabled").await;

        // Those staying scanned one per line: the preview says who moves and who leaves.
        browser
            .fill("#year-cards", &format!("Y1{}Y2{}", Key::Enter, Key::Enter))
            .await;
        browser.click("#year-preview").await;
        browser
            .text_contains("#year-moved", &["Gia Rossi", "Hal Moss"])
            .await;
        browser.text_contains("#year-left", &["Ivo Petrov"]).await;
        browser
            .text_contains("#year-summary", &["2 move from 5B to 6B, 1 leaves"])
            .await;
        browser.find("#year-confirm:enabled").await;
        assert_eq!(
            by_card(&server, &admin, "Y1")["group"],
            "5B",
            "a preview writes nothing"
        );

        // Changing the form takes the confirmation back.
        browser.fill("#year-new-group", "6C").await;
        browser.find("#year-confirm:disabled").await;
        browser.fill("#year-new-group", "6B").await;
        browser.click("#year-preview").await;
        browser.find("#year-confirm:enabled").await;
        browser.screenshot("school-year").await;
        browser.click("#year-confirm").await;
        browser
            .message(
                "ok",
                &["School year done for 5B: 2 moved to 6B, 1 marked as left"],
            )
            .await;
        assert_eq!(by_card(&server, &admin, "Y1")["group"], "6B");
        assert_eq!(by_card(&server, &admin, "Y2")["group"], "6B");
        assert_eq!(by_card(&server, &admin, "Y3")["status"], "left");
        assert_eq!(by_card(&server, &admin, "Y9")["group"], "5A");

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn an_admin_reads_the_audit_log_and_changes_the_settings() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    let kim = add_patron(
        &server,
        &admin,
        json!({"full_name": "Kim Lee", "group": "3A", "card_number": "Z1"}),
    );
    add_patron(
        &server,
        &admin,
        json!({"full_name": "Lou Park", "group": "3A"}),
    );
    ok(
        &server,
        &admin,
        "PATCH",
        &format!("/patrons/{kim}"),
        json!({"status": "blocked", "blocked_reason": "Card lost"}),
    );

    run(async {
        let browser = open_browser(&server).await;
        open_as_admin(&browser, "audit").await;

        // Newest first: the block, then the two patrons added.
        browser
            .text_contains(
                "#audit-table tbody",
                &[
                    "Patron blocked",
                    "patron.block",
                    "Patron added",
                    "patron.create",
                ],
            )
            .await;
        let first = browser
            .find("#audit-table tbody tr:first-child")
            .await
            .attr("data-action")
            .await
            .expect("attribute");
        assert_eq!(first.as_deref(), Some("patron.block"));

        // The settings: registration closed, then the log has that too.
        browser
            .find("#settings-registration")
            .await
            .select_by_value("closed")
            .await
            .expect("choose closed");
        browser.fill("#settings-history", "365").await;
        browser.click("#settings-save").await;
        browser.message("ok", &["Settings saved"]).await;
        let settings = got(&server, &admin, "/settings");
        assert_eq!(settings["registration"], "closed", "{settings}");
        assert_eq!(settings["loan_history_days"], 365, "{settings}");
        let (status, _) = server.http(
            "POST",
            "/users/register",
            None,
            Some(json!({"email": "new@example.org", "username": "new", "password": PASSWORD})),
        );
        assert_eq!(status, 403);
        browser
            .text_contains("#audit-table tbody", &["Settings changed"])
            .await;

        // With registration by approval, a new account waits; staff approve it from the
        // patrons screen, where the status filter finds those waiting.
        browser
            .find("#settings-registration")
            .await
            .select_by_value("approval")
            .await
            .expect("choose approval");
        browser.click("#settings-save").await;
        browser.message("ok", &["Settings saved"]).await;
        let nia = server.register("nia");
        assert_eq!(
            got(&server, &admin, &format!("/patrons/{nia}"))["patron"]["status"],
            "pending"
        );
        browser.click("#nav a[data-view=\"members\"]").await;
        browser.view("members").await;
        browser
            .find("#patron-status-filter")
            .await
            .select_by_value("pending")
            .await
            .expect("choose pending");
        browser.count("#members-table tbody tr", 1).await;
        browser
            .text_contains(&row(nia), &["nia", "Waiting for approval"])
            .await;
        browser
            .click(&format!("{} button[data-action=\"approve\"]", row(nia)))
            .await;
        browser.message("ok", &["nia is approved"]).await;
        assert_eq!(
            got(&server, &admin, &format!("/patrons/{nia}"))["patron"]["status"],
            "active"
        );
        browser.count("#members-table tbody tr", 0).await;
        browser
            .find("#patron-status-filter")
            .await
            .select_by_value("")
            .await
            .expect("choose any");

        // One person's history, from their row on the patrons screen.
        browser
            .click(&format!("{} button[data-action=\"history\"]", row(kim)))
            .await;
        browser.view("audit").await;
        let kims = browser
            .text_contains("#audit-table tbody", &["Patron blocked"])
            .await;
        assert!(!kims.contains("Settings changed"), "{kims}");
        let person = browser
            .find("#audit-person")
            .await
            .prop("value")
            .await
            .expect("value");
        assert_eq!(person, Some(kim.to_string()));
        browser.screenshot("audit").await;

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn a_librarian_sees_no_admin_screen() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    let lib = server.register("lib");
    ok(
        &server,
        &admin,
        "PATCH",
        &format!("/users/{lib}/role"),
        json!({"role": "librarian"}),
    );
    add_patron(
        &server,
        &admin,
        json!({"full_name": "Pat Cole", "group": "2A", "card_number": "E77", "card_expires_on": "2020-06-30"}),
    );
    let mo = add_patron(
        &server,
        &admin,
        json!({"full_name": "Mo Said", "group": "2A"}),
    );

    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.login("lib@example.org", PASSWORD).await;
        browser.view("books").await;
        let audit_link = browser
            .find("#nav a[data-view=\"audit\"]")
            .await
            .is_displayed()
            .await
            .expect("displayed?");
        assert!(!audit_link, "the audit link is for admins");
        browser.click("#nav a[data-view=\"members\"]").await;
        browser.view("members").await;
        browser.text_contains(&row(mo), &["Mo Said"]).await;
        browser
            .find(&format!("{} button[data-action=\"block\"]", row(mo)))
            .await;
        let admin_only = browser
            .client
            .find_all(fantoccini::Locator::Css(&format!(
                "{} button[data-action=\"erase\"], {} select.role-select",
                row(mo),
                row(mo)
            )))
            .await
            .expect("find");
        assert!(admin_only.is_empty(), "erasing and roles are an admin's");
        // The list shows the card's end in words; at the desk the card says why not.
        browser
            .text_contains("#members-table tbody", &["E77", "expired"])
            .await;
        browser.click("#nav a[data-view=\"desk\"]").await;
        browser.view("desk").await;
        browser.find("#desk-scan:focus").await;
        type_in(&browser, &format!("E77{}", Key::Enter)).await;
        browser
            .text_contains(
                "#desk-blocked[data-code=\"card_expired\"]",
                &["Cannot borrow", "Pat Cole"],
            )
            .await;
        browser.no_policy_violations().await;
        browser.close().await;
    });
}
