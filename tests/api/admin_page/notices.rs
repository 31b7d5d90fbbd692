//! In the browser: the Notices screen. An admin keeps the library's calendar and the
//! wording of notices, changes when they go out and runs the day's notices by hand: mails
//! reach a real SMTP listener on loopback (after a failure the log shows, and "Send
//! again"), and readers without e-mail get slips, printed by group. A librarian sees the
//! log and the slips, not the admin's forms.

use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::browser::{browser_ready, open_browser, run, Browser};
use super::desk::{book_with_copy, ok};
use super::server::Server;
use crate::common::process::{free_port, json_call, start_logged};
use crate::common::smtp::{serve_listener, Received};
use crate::common::{quoted_printable_decode, PASSWORD};
use fantoccini::key::Key;
use fantoccini::wd::PrintConfiguration;
use library_server::models::now;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);

/// Types into whatever has the focus, as a person at the keyboard does.
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

/// Waits until the field's value is `want`.
async fn value_is(browser: &Browser, css: &str, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let value = browser.find(css).await.prop("value").await.ok().flatten();
        if value.as_deref() == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never held {want:?}; it holds {value:?}"
        );
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn displayed(browser: &Browser, css: &str) -> bool {
    browser
        .find(css)
        .await
        .is_displayed()
        .await
        .expect("is displayed")
}

/// Types a day into a date field as a person would: the digits in the order the browser's
/// language shows the day, month and year (12/22/2027 in American English).
async fn type_date(browser: &Browser, css: &str, day: &str) {
    let order = browser
        .client
        .execute(
            "return new Intl.DateTimeFormat(undefined, \
               {year: 'numeric', month: '2-digit', day: '2-digit'})\
             .formatToParts(new Date(2000, 10, 22))\
             .filter((part) => part.type !== 'literal').map((part) => part.type);",
            vec![],
        )
        .await
        .expect("the date order");
    let (year, rest) = day.split_at(4);
    let (month, date) = (&rest[1..3], &rest[4..6]);
    let keys: String = order
        .as_array()
        .expect("parts")
        .iter()
        .map(|part| match part.as_str() {
            Some("year") => year,
            Some("month") => month,
            _ => date,
        })
        .collect();
    browser.fill(css, &keys).await;
    value_is(browser, css, day).await;
}

/// How many pages the browser prints the page on (the "Page" objects of its PDF).
async fn printed_pages(browser: &Browser) -> usize {
    let pdf = browser
        .client
        .print(PrintConfiguration::default())
        .await
        .expect("print the page");
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

/// Accepts the confirm dialog a click opened.
async fn confirm(browser: &Browser) {
    let deadline = Instant::now() + WAIT;
    while browser.client.accept_alert().await.is_err() {
        assert!(Instant::now() < deadline, "no confirm dialog opened");
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn open_notices(browser: &Browser, email: &str) {
    browser.open("/admin").await;
    browser.login(email, PASSWORD).await;
    browser.view("books").await;
    browser.click("#nav a[data-view=\"notices\"]").await;
    browser.view("notices").await;
}

/// Makes every loan three days overdue, straight in the server's database.
fn backdate_loans(database: &std::path::Path) {
    rusqlite::Connection::open(database)
        .expect("open the database")
        .execute("UPDATE loans SET due_at = ?1", [now() - 3 * 86_400])
        .expect("backdate the loans");
}

fn templates(server: &Server, token: &str) -> Vec<Value> {
    let (status, reply) = server.http("GET", "/notices/templates", Some(token), None);
    assert_eq!(status, 200, "{reply}");
    reply["result"].as_array().expect("templates").clone()
}

#[test]
fn an_admin_keeps_the_librarys_calendar_with_its_holidays() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    run(async {
        let browser = open_browser(&server).await;
        open_notices(&browser, "admin@example.org").await;

        // Open every day, closed never: what a library starts with.
        browser.find("#weekday-7:checked").await;
        browser.find("#closed-empty:not([hidden])").await;

        // Closed at weekends and over Christmas; a last day before the first is refused
        // beside that field, and nothing is saved.
        browser.click("#weekday-6").await;
        browser.click("#weekday-7").await;
        browser.click("#closed-add").await;
        browser.find("#closed-0-first_day:focus").await;
        type_date(&browser, "#closed-0-first_day", "2027-12-22").await;
        type_date(&browser, "#closed-0-last_day", "2027-12-20").await;
        browser.fill("#closed-0-reason", "Christmas holidays").await;
        browser.click("#calendar-save").await;
        browser
            .message(
                "error",
                &[
                    "The calendar was not saved",
                    "Last day of closed period 1: must not come before",
                ],
            )
            .await;
        browser
            .text_contains("#closed-0-last_day-problem", &["Must not come before"])
            .await;
        browser
            .find("#closed-0-last_day[aria-invalid=\"true\"]:focus")
            .await;
        browser.screenshot("notices-calendar-refused").await;
        let (_, calendar) = server.http("GET", "/calendar", None, None);
        assert_eq!(
            calendar["result"]["open_weekdays"],
            json!([1, 2, 3, 4, 5, 6, 7])
        );
        assert_eq!(calendar["result"]["closed"], json!([]));

        // Put right, and saved with Enter.
        type_date(&browser, "#closed-0-last_day", "2028-01-05").await;
        browser.click("#closed-0-reason").await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser
            .message(
                "ok",
                &[
                    "Calendar saved: open on Monday, Tuesday, Wednesday, Thursday, Friday",
                    "1 closed period",
                ],
            )
            .await;
        browser.count("#calendar-form [aria-invalid]", 0).await;
        let (_, calendar) = server.http("GET", "/calendar", Some(&admin), None);
        assert_eq!(
            calendar["result"],
            json!({
                "open_weekdays": [1, 2, 3, 4, 5],
                "closed": [{"first_day": "2027-12-22", "last_day": "2028-01-05", "reason": "Christmas holidays"}],
            })
        );

        // After a reload the page shows what the library keeps.
        browser.open("/admin").await;
        browser.click("#nav a[data-view=\"notices\"]").await;
        browser.view("notices").await;
        value_is(&browser, "#closed-0-first_day", "2027-12-22").await;
        value_is(&browser, "#closed-0-last_day", "2028-01-05").await;
        value_is(&browser, "#closed-0-reason", "Christmas holidays").await;
        browser.find("#weekday-5:checked").await;
        browser.find("#weekday-6:not(:checked)").await;
        browser.find("#weekday-7:not(:checked)").await;
        browser.find("#closed-empty[hidden]").await;
        browser.screenshot("notices-calendar").await;

        // A second period, then the first removed: the rows renumber and save.
        browser.click("#closed-add").await;
        type_date(&browser, "#closed-1-first_day", "2028-04-10").await;
        type_date(&browser, "#closed-1-last_day", "2028-04-21").await;
        browser.fill("#closed-1-reason", "Easter holidays").await;
        browser
            .click("#closed-table button[aria-label=\"Remove closed period 1\"]")
            .await;
        browser.find("#closed-add:focus").await;
        value_is(&browser, "#closed-0-reason", "Easter holidays").await;
        browser.click("#calendar-save").await;
        browser.message("ok", &["1 closed period"]).await;
        let (_, calendar) = server.http("GET", "/calendar", None, None);
        assert_eq!(
            calendar["result"]["closed"],
            json!([{"first_day": "2028-04-10", "last_day": "2028-04-21", "reason": "Easter holidays"}])
        );

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn an_admin_words_a_notice_and_tries_it_on_a_real_patron_first() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let admin = server.login("admin");
    let ann = ok(
        &server,
        &admin,
        "POST",
        "/patrons",
        json!({"full_name": "Ann Reader", "email": "ann@example.org", "group": "7A"}),
    );
    book_with_copy(
        &server,
        &admin,
        "The Night Garden",
        "Philippa Pearce",
        "100001",
    );
    ok(
        &server,
        &admin,
        "POST",
        "/loans",
        json!({"barcode": "100001", "card_number": ann["card_number"]}),
    );
    let ann = ann["id"].as_i64().expect("id");
    run(async {
        let browser = open_browser(&server).await;
        open_notices(&browser, "admin@example.org").await;
        value_is(&browser, "#wording-subject", "Due soon: {{ titles }}").await;
        browser
            .text_contains("#wording-state", &["comes with the library server"])
            .await;
        assert!(displayed(&browser, "#wording-save").await);

        // A misspelt placeholder: refused with the reason beside the subject, not saved.
        browser.fill("#wording-subject", "Due: {{ titels }}").await;
        browser.click("#wording-save").await;
        browser
            .message(
                "error",
                &["The wording was not saved", "Subject:", "undefined"],
            )
            .await;
        browser
            .text_contains("#wording-subject-problem", &["Undefined"])
            .await;
        browser
            .find("#wording-subject[aria-invalid=\"true\"]:focus")
            .await;
        assert!(templates(&server, &admin)
            .iter()
            .all(|t| t["custom"] == false));

        // A good one, previewed for Ann with her book: Enter in a field previews.
        browser
            .fill(
                "#wording-subject",
                "{{ library }}: please bring back {{ titles }}",
            )
            .await;
        browser
            .fill(
                "#wording-body",
                "Dear {{ name }},\n{% for loan in loans %}{{ loan.title }} is due on {{ loan.due_date }}.\n{% endfor %}",
            )
            .await;
        browser.fill("#wording-patron", &ann.to_string()).await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser
            .text_contains(
                "#wording-preview-out",
                &[
                    "as ann.reader would get it",
                    "please bring back The Night Garden",
                    "Dear Ann Reader,",
                    "The Night Garden is due on",
                ],
            )
            .await;
        browser.count("#wording-form [aria-invalid]", 0).await;
        browser.screenshot("notices-wording").await;
        assert!(templates(&server, &admin)
            .iter()
            .all(|t| t["custom"] == false));

        browser.click("#wording-save").await;
        browser
            .message("ok", &["Saved: “Due soon” in English notices now say this"])
            .await;
        browser
            .text_contains("#wording-state", &["The library’s own wording"])
            .await;
        let saved = templates(&server, &admin);
        let due_soon = saved
            .iter()
            .find(|t| t["kind"] == "due_soon" && t["language"] == "en")
            .expect("due soon in English");
        assert_eq!(due_soon["custom"], true, "{due_soon}");
        assert_eq!(
            due_soon["subject"],
            "{{ library }}: please bring back {{ titles }}"
        );

        // German keeps its own text; back in English, the library's is there.
        browser
            .find("#wording-language")
            .await
            .select_by_value("de")
            .await
            .expect("choose German");
        value_is(&browser, "#wording-subject", "Bald fällig: {{ titles }}").await;
        browser
            .find("#wording-language")
            .await
            .select_by_value("en")
            .await
            .expect("choose English");
        value_is(
            &browser,
            "#wording-subject",
            "{{ library }}: please bring back {{ titles }}",
        )
        .await;

        // Back to the shipped text, once confirmed (the click returns with the dialog open).
        let _ = browser.find("#wording-reset").await.click().await;
        confirm(&browser).await;
        browser
            .message("ok", &["say what they said at first again"])
            .await;
        value_is(&browser, "#wording-subject", "Due soon: {{ titles }}").await;
        browser.find("#wording-reset:disabled").await;
        assert!(templates(&server, &admin)
            .iter()
            .all(|t| t["custom"] == false));

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

// ---- the server process, with its mail going to loopback SMTP ---------------------------

/// The server binary, spoken to over plain HTTP/1.1 to set the library up. It runs as a
/// process because it takes its mail server from the environment: the in-process
/// `Server` of the other browser tests cannot be given one.
struct Remote {
    port: u16,
}

impl Remote {
    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        json_call(self.port, method, path, token, &body)
    }

    /// The `result` of a call that must succeed.
    fn ok(&self, token: &str, method: &str, path: &str, body: Value) -> Value {
        let (status, reply) = self.call(method, path, Some(token), body);
        assert!((200..300).contains(&status), "{method} {path}: {reply}");
        reply["result"].clone()
    }

    /// The first account is the admin; its token.
    fn admin(&self) -> String {
        let (status, reply) = self.call(
            "POST",
            "/users/register",
            None,
            json!({"email": "admin@example.org", "username": "admin", "password": PASSWORD}),
        );
        assert_eq!(status, 201, "{reply}");
        let (status, reply) = self.call(
            "POST",
            "/users/login",
            None,
            json!({"email": "admin@example.org", "password": PASSWORD}),
        );
        assert_eq!(status, 200, "{reply}");
        reply["access_token"].as_str().expect("token").to_string()
    }

    /// A patron with a book of their own out; the patron.
    fn reader_with_a_book(&self, token: &str, patron: Value, title: &str) -> Value {
        let patron = self.ok(token, "POST", "/patrons", patron);
        let book = self.ok(
            token,
            "POST",
            "/books",
            json!({"title": title, "author": "A. Writer", "copies": 1}),
        );
        self.ok(
            token,
            "POST",
            "/loans",
            json!({"book_id": book["id"], "card_number": patron["card_number"]}),
        );
        patron
    }
}

fn mail_to(inbox: &mpsc::Receiver<Received>, address: &str) -> Received {
    let mail = inbox
        .recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("no mail to {address}"));
    assert_eq!(mail.rcpt_to, vec![format!("<{address}>")]);
    mail
}

#[test]
fn a_run_by_hand_mails_readers_and_makes_slips_to_print_by_group() {
    if !browser_ready() {
        return;
    }
    // Nothing listens on the mail port yet: the first attempt fails, as when the mail
    // server is down.
    let smtp_port = free_port();
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
    let remote = Remote { port: process.port };
    let admin = remote.admin();
    remote.reader_with_a_book(
        &admin,
        json!({"full_name": "Ann Reader", "email": "ann@example.org", "group": "7A"}),
        "The Night Garden",
    );
    remote.reader_with_a_book(
        &admin,
        json!({"full_name": "Cat Lee", "email": "cat@example.org", "group": "7A"}),
        "Momo",
    );
    remote.reader_with_a_book(
        &admin,
        json!({"full_name": "Ben Pupil", "group": "5B"}),
        "Emil and the Detectives",
    );
    remote.reader_with_a_book(
        &admin,
        json!({"full_name": "Dan Pupil", "group": "4A"}),
        "Matilda",
    );
    backdate_loans(&dir.path().join("library.db"));
    // `open_browser` takes the in-process server only for its address: this one lends it
    // one, and the browser is then pointed at the server process.
    let stand_in = Server::start();

    run(async {
        let mut browser = open_browser(&stand_in).await;
        browser.base = format!("http://127.0.0.1:{}", process.port);
        open_notices(&browser, "admin@example.org").await;
        browser.find("#notices-empty:not([hidden])").await;
        browser.find("#slips-empty:not([hidden])").await;

        // The library's name signs the notices; saved with Enter.
        assert!(displayed(&browser, "#notice-settings-form").await);
        browser.find("#ns-enabled:checked").await;
        browser
            .fill("#ns-library-name", "Riverside School Library")
            .await;
        browser.fill("#ns-hour", "6").await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser.message("ok", &["Notice settings saved"]).await;
        let settings = remote.ok(&admin, "GET", "/notices/settings", Value::Null);
        assert_eq!(settings["library_name"], "Riverside School Library");
        assert_eq!(settings["hour"], 6);

        // Today's run: two mails (which fail: no mail server) and two slips.
        browser.click("#notices-run").await;
        browser
            .text_contains(
                "#notices-run-report",
                &[
                    "4 new notices, of them 2 slips to print",
                    "0 mails sent",
                    "2 mails failed",
                    "The send log says why",
                ],
            )
            .await;
        browser.screenshot("notices-run").await;
        browser.count("#notices-table tbody tr", 4).await;
        let mails = remote.ok(&admin, "GET", "/notices?channel=mail", Value::Null);
        let id_of = |address: &str| {
            mails
                .as_array()
                .expect("mails")
                .iter()
                .find(|n| n["recipient"] == address)
                .and_then(|n| n["id"].as_i64())
                .expect("a mail to the address")
        };
        let (ann_mail, cat_mail) = (id_of("ann@example.org"), id_of("cat@example.org"));
        let ann_row = format!("#notices-table tr[data-notice-id=\"{ann_mail}\"]");
        let cat_row = format!("#notices-table tr[data-notice-id=\"{cat_mail}\"]");
        let why = mails[0]["last_error"].as_str().expect("why").to_string();
        assert!(!why.is_empty());
        browser
            .text_contains(
                &ann_row,
                &[
                    "Overdue",
                    "Ann Reader",
                    "ann@example.org",
                    "Overdue (reminder 1): The Night Garden",
                    "Waiting to go out",
                    &why,
                ],
            )
            .await;
        browser
            .text_contains(
                "#notices-table tbody",
                &["slip for 5B", "slip for 4A", "To print"],
            )
            .await;

        // The mail server is back. Another librarian has sent Cat's mail meanwhile: the
        // page's stale button is refused in words.
        let listener = TcpListener::bind(("127.0.0.1", smtp_port)).expect("the mail port");
        let (sender, inbox) = mpsc::channel();
        std::thread::spawn(move || serve_listener(listener, 10, &sender));
        let again = remote.ok(
            &admin,
            "POST",
            &format!("/notices/{cat_mail}/send-again"),
            json!({}),
        );
        assert_eq!(again["status"], "sent", "{again}");
        mail_to(&inbox, "cat@example.org");
        browser
            .click(&format!("{cat_row} button[data-action=\"send-again\"]"))
            .await;
        browser
            .message("error", &["Not sent again", "was sent already"])
            .await;
        browser.text_contains(&cat_row, &["Sent"]).await;
        browser
            .count(&format!("{cat_row} button[data-action=\"send-again\"]"), 0)
            .await;

        // Ann's goes now, signed with the library's name.
        browser
            .click(&format!("{ann_row} button[data-action=\"send-again\"]"))
            .await;
        browser
            .message("ok", &["Sent again to ann@example.org"])
            .await;
        browser.text_contains(&ann_row, &["Sent"]).await;
        let mail = mail_to(&inbox, "ann@example.org");
        assert!(
            mail.data
                .contains("Subject: Overdue (reminder 1): The Night Garden"),
            "{}",
            mail.data
        );
        let body = quoted_printable_decode(&mail.data);
        assert!(body.contains("Hello Ann Reader"), "{body}");
        assert!(body.contains("Riverside School Library"), "{body}");

        // The slips, under a heading per group.
        browser
            .text_contains(
                "#slips",
                &[
                    "Give these slips to 4A",
                    "For Dan Pupil",
                    "Hello Dan Pupil",
                    "Give these slips to 5B",
                    "For Ben Pupil",
                    "Hello Ben Pupil",
                    "Emil and the Detectives",
                    "Riverside School Library",
                ],
            )
            .await;
        browser
            .text_contains("#slips-summary", &["2 slips for 2 groups"])
            .await;
        browser.screenshot("notices-slips").await;
        // Printed, the page is the slips alone: each group on a page of its own.
        assert_eq!(printed_pages(&browser).await, 2);

        // 5B's alone (the group in any letter case), marked printed: they leave the list.
        browser.fill("#slip-group", "5b").await;
        type_in(&browser, &Key::Enter.to_string()).await;
        browser.count("#slips .slip", 1).await;
        browser
            .text_contains("#slips", &["Give these slips to 5B", "For Ben Pupil"])
            .await;
        assert_eq!(printed_pages(&browser).await, 1);
        browser.click("#slips-printed").await;
        browser.message("ok", &["1 slip marked printed"]).await;
        browser.find("#slips-empty:not([hidden])").await;
        browser.count("#slips .slip", 0).await;
        let left = remote.ok(&admin, "GET", "/notices/slips", Value::Null);
        assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
        assert_eq!(left[0]["group"], "4A", "{left}");
        browser.fill("#slip-group", "").await;
        browser.click("#slip-show").await;
        browser
            .text_contains("#slips", &["Give these slips to 4A", "For Dan Pupil"])
            .await;
        browser.count("#slips .slip", 1).await;
        browser.text_contains(&cat_row, &["Cat Lee", "Sent"]).await;

        // The README's picture: the log with mails sent and slips printed or waiting, and
        // the slip still to print.
        browser.click("#message .message-close").await;
        browser.find("#message[hidden]").await;
        // Desktop width, as tall as it takes to show the slips' card, with its one slip,
        // below the log.
        let height = browser
            .client
            .execute(
                "window.scrollTo(0, 0); \
                 const card = document.querySelector('#slips-card').getBoundingClientRect(); \
                 return Math.ceil(card.bottom + 12 + window.outerHeight - window.innerHeight);",
                vec![],
            )
            .await
            .expect("the slips' place");
        let height = height.as_u64().expect("a height") as u32;
        browser.set_width(1280, height).await;
        browser.readme_screenshot("admin-notices").await;
        browser.set_width(1280, 900).await;

        // The printed slip in the log; its row opens its whole text.
        browser
            .find("#notice-channel")
            .await
            .select_by_value("slip")
            .await
            .expect("slips only");
        browser
            .find("#notice-status")
            .await
            .select_by_value("printed")
            .await
            .expect("printed only");
        browser.count("#notices-table tbody tr", 1).await;
        browser
            .text_contains(
                "#notices-table tbody tr",
                &["slip for 5B", "Printed", "Ben Pupil"],
            )
            .await;
        browser.click("#notices-table tbody tr td.subject").await;
        browser
            .text_contains(
                "#notice-dialog",
                &[
                    "Overdue (reminder 1): Emil and the Detectives",
                    "to slip for 5B",
                    "printed",
                    "Hello Ben Pupil",
                ],
            )
            .await;
        browser.screenshot("notices-notice").await;
        type_in(&browser, &Key::Escape.to_string()).await;
        browser.find("#notice-dialog:not([open])").await;

        browser.no_policy_violations().await;
        browser.close().await;
    });
}

#[test]
fn a_librarian_sees_the_log_and_the_slips_but_not_the_admins_forms() {
    if !browser_ready() {
        return;
    }
    let server = Server::start();
    server.register("admin");
    let libby = server.register("libby");
    let admin = server.login("admin");
    ok(
        &server,
        &admin,
        "PATCH",
        &format!("/users/{libby}/role"),
        json!({"role": "librarian"}),
    );
    let ben = ok(
        &server,
        &admin,
        "POST",
        "/patrons",
        json!({"full_name": "Ben Pupil", "group": "5B"}),
    );
    book_with_copy(&server, &admin, "Matilda", "Roald Dahl", "100001");
    let loan = ok(
        &server,
        &admin,
        "POST",
        "/loans",
        json!({"barcode": "100001", "card_number": ben["card_number"]}),
    );
    let ben = ben["id"].as_i64().expect("id");
    backdate_loans(&server.dir.path().join("library.db"));
    let report = ok(&server, &admin, "POST", "/notices/run", json!({}));
    assert_eq!(report["slips"], 1, "{report}");

    run(async {
        let browser = open_browser(&server).await;
        browser.open("/admin").await;
        browser.login("libby@example.org", PASSWORD).await;
        browser.view("books").await;
        assert!(!displayed(&browser, "#nav a[data-view=\"audit\"]").await);
        browser.click("#nav a[data-view=\"notices\"]").await;
        browser.view("notices").await;

        browser
            .text_contains(
                "#notices-table tbody",
                &["Overdue", "Ben Pupil", "slip for 5B", "To print"],
            )
            .await;
        browser
            .text_contains(
                "#slips",
                &[
                    "Give these slips to 5B",
                    "For Ben Pupil",
                    "Hello Ben Pupil",
                    "Matilda",
                ],
            )
            .await;

        // The admin's forms are not there, and the page says whose they are.
        assert!(!displayed(&browser, "#notice-settings-form").await);
        assert!(!displayed(&browser, "#calendar-form").await);
        assert!(!displayed(&browser, "#wording-save").await);
        assert!(!displayed(&browser, "#wording-reset").await);
        browser
            .text_contains(
                "#view-notices",
                &[
                    "When notices go out and the library's calendar are an admin's to change",
                    "Only an admin can save wording",
                ],
            )
            .await;
        browser.find("#message[hidden]").await;
        browser.screenshot("notices-librarian").await;
        browser.set_width(390, 844).await;
        browser.screenshot("notices-librarian-phone").await;
        browser.set_width(1280, 900).await;

        // The wording can be tried out: with Ben, who has a book out.
        browser.click("#wording-preview").await;
        browser
            .text_contains(
                "#wording-preview-out",
                &["as ben.pupil would get it", "Hello Ben Pupil", "Matilda"],
            )
            .await;

        // Slips are a librarian's to print.
        browser.click("#slips-printed").await;
        browser.message("ok", &["1 slip marked printed"]).await;
        browser.find("#slips-empty:not([hidden])").await;
        browser
            .text_contains("#notices-table tbody", &["Printed"])
            .await;

        // Ben's data erased: his notice keeps its row, with his id where his name was.
        ok(
            &server,
            &admin,
            "POST",
            &format!("/loans/{}/return", loan["id"]),
            json!({}),
        );
        ok(
            &server,
            &admin,
            "POST",
            &format!("/patrons/{ben}/erase"),
            json!({}),
        );
        browser.open("/admin").await;
        browser.click("#nav a[data-view=\"notices\"]").await;
        browser.view("notices").await;
        let reader = browser
            .text_contains(
                &format!("#notices-table td[data-user-id=\"{ben}\"]"),
                &[&format!("#{ben}")],
            )
            .await;
        assert!(!reader.contains("Ben"), "{reader}");

        browser.no_policy_violations().await;
        browser.close().await;
    });
}
