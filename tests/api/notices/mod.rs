//! Notices (issue 17): due soon, overdue, hold ready and hold lapsing, walked through the
//! days with `POST /notices/run {"today": …}` against a real SMTP listener on loopback;
//! the calendar; the library's own wording; slips for readers without e-mail; the send
//! log; retries.

mod calendar;
mod scheduler;
mod upgrade;
mod wording;

use std::sync::mpsc;
use std::time::Duration;

use crate::common::smtp::{smtp_listener, Received};
use crate::common::TestApp;
use library_server::config::SmtpTls;
use library_server::domain::calendar::Day;
use library_server::models::now;
use serde_json::{json, Value};

/// A library whose mail goes to a loopback SMTP listener: an admin, a librarian, Ann
/// (with e-mail) and Ben (a pupil of 5B without one).
pub struct Library {
    pub app: TestApp,
    pub inbox: mpsc::Receiver<Received>,
    pub admin: String,
    pub staff: String,
    pub ann: Value,
    pub ben: Value,
}

pub fn library() -> Library {
    let (port, inbox) = smtp_listener(200);
    library_mailing_to(port, inbox)
}

pub fn library_mailing_to(port: u16, inbox: mpsc::Receiver<Received>) -> Library {
    let app = TestApp::with(|mut c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = Some(port);
        c.smtp_tls = SmtpTls::None;
        c
    });
    let (_, admin) = app.admin();
    let (_, staff) = app.librarian("libby", &admin);
    let patron = |body: Value| {
        app.post("/patrons", Some(&staff), body)
            .expect(201)
            .result()
            .clone()
    };
    let ann = patron(json!({"full_name": "Ann Reader", "email": "ann@example.org", "group": "7A"}));
    let ben = patron(json!({"full_name": "Ben Pupil", "group": "5B"}));
    Library {
        app,
        inbox,
        admin,
        staff,
        ann,
        ben,
    }
}

impl Library {
    pub fn book(&self, title: &str) -> i64 {
        self.app
            .post(
                "/books",
                Some(&self.staff),
                json!({"title": title, "author": "A. Writer", "copies": 1}),
            )
            .expect(201)
            .result()["id"]
            .as_i64()
            .unwrap()
    }

    /// Lends `book` to `patron` at the desk; the loan.
    pub fn lend(&self, patron: &Value, book: i64) -> Value {
        self.app
            .post(
                "/loans",
                Some(&self.staff),
                json!({"card_number": patron["card_number"], "book_id": book}),
            )
            .expect(201)
            .result()
            .clone()
    }

    /// Runs the daily notices as of `day`; the report.
    pub fn run(&self, day: Day) -> Value {
        self.app
            .post(
                "/notices/run",
                Some(&self.admin),
                json!({"today": day.to_string()}),
            )
            .expect(200)
            .result()
            .clone()
    }

    /// The mails the listener got, waiting a little for each of `count`; then checks no
    /// more come.
    pub fn mails(&self, count: usize) -> Vec<Received> {
        let mut got = Vec::new();
        for _ in 0..count {
            match self.inbox.recv_timeout(Duration::from_secs(10)) {
                Ok(mail) => got.push(mail),
                Err(_) => panic!("expected {count} mails, got {}", got.len()),
            }
        }
        assert!(
            self.inbox.recv_timeout(Duration::from_millis(200)).is_err(),
            "more mails than the {count} expected"
        );
        got
    }

    pub fn log(&self, query: &str) -> Vec<Value> {
        self.app
            .get(&format!("/notices?{query}"), Some(&self.staff))
            .expect(200)
            .result()
            .as_array()
            .unwrap()
            .clone()
    }
}

pub fn today() -> Day {
    Day::of(now())
}

/// The day a loan is due, from its reply.
pub fn due_day(loan: &Value) -> Day {
    Day::of(crate::lending::seconds(&loan["due_at"]))
}

fn header<'m>(mail: &'m Received, name: &str) -> Option<&'m str> {
    let prefix = format!("{}: ", name.to_ascii_lowercase());
    mail.data
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
        .map(|line| line[prefix.len()..].trim())
}

#[test]
fn notices_walk_through_the_days_once_each() {
    let lib = library();
    let first = lib.book("The Night Garden");
    let second = lib.book("Momo");
    let loan = lib.lend(&lib.ann, first);
    lib.lend(&lib.ben, second);
    let due = due_day(&loan);
    assert_eq!(today().until(due), 14, "the default loan period");

    // Nothing is due yet.
    let report = lib.run(today());
    assert_eq!(
        (report["created"].as_i64(), report["sent"].as_i64()),
        (Some(0), Some(0))
    );

    // Two days before: Ann gets a mail, Ben (no e-mail) a slip for 5B.
    let report = lib.run(due.plus(-2));
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["slips"], 1, "{report}");
    assert_eq!(report["sent"], 1, "{report}");
    let mail = lib.mails(1).remove(0);
    assert_eq!(mail.rcpt_to, vec!["<ann@example.org>".to_string()]);
    assert_eq!(header(&mail, "Subject"), Some("Due soon: The Night Garden"));
    let body = crate::common::quoted_printable_decode(&mail.data);
    assert!(body.contains("Hello Ann Reader"), "{body}");
    assert!(body.contains(&format!("due {due}")), "{body}");
    let logged = lib.log("kind=due_soon&channel=mail");
    assert_eq!(logged.len(), 1);
    let id = logged[0]["id"].as_i64().unwrap();
    let message_id = header(&mail, "Message-ID").unwrap_or_default();
    assert!(
        message_id.starts_with(&format!("<notice-{id}.")),
        "{message_id}"
    );
    assert_eq!(logged[0]["status"], "sent");
    assert_eq!(logged[0]["recipient"], "ann@example.org");

    // The same day again, and the day before the due date: nothing new.
    assert_eq!(lib.run(due.plus(-2))["created"], 0);
    assert_eq!(lib.run(due.plus(-1))["created"], 0);
    lib.mails(0);

    // Overdue: the day after, then every 7 days, at most 3 reminders.
    for (day, reminder) in [
        (1, Some(1)),
        (2, None),
        (8, Some(2)),
        (14, None),
        (15, Some(3)),
        (22, None),
        (40, None),
    ] {
        let report = lib.run(due.plus(day));
        match reminder {
            Some(n) => {
                assert_eq!(report["created"], 2, "day {day}: {report}");
                let mail = lib.mails(1).remove(0);
                assert_eq!(
                    header(&mail, "Subject"),
                    Some(format!("Overdue (reminder {n}): The Night Garden").as_str()),
                    "day {day}"
                );
            }
            None => {
                assert_eq!(report["created"], 0, "day {day}: {report}");
                lib.mails(0);
            }
        }
    }
    let ann_id = lib.ann["id"].as_i64().unwrap();
    assert_eq!(lib.log(&format!("user_id={ann_id}&kind=overdue")).len(), 3);
    assert_eq!(lib.log("status=sent").len(), 4);

    // Ben's slips wait for 5B, whatever the letter case.
    let slips = lib
        .app
        .get("/notices/slips?group=5b", Some(&lib.staff))
        .expect(200);
    let slips = slips.result().as_array().unwrap().clone();
    assert_eq!(slips.len(), 4, "{slips:?}");
    assert!(slips
        .iter()
        .all(|s| s["group"] == "5B" && s["channel"] == "slip"));
    assert!(slips[0]["body"].as_str().unwrap().contains("Ben Pupil"));
    // Whole numbers however JSON writes them; a fraction is no id.
    let ids: Vec<f64> = slips.iter().map(|s| s["id"].as_f64().unwrap()).collect();
    lib.app
        .post(
            "/notices/slips/printed",
            Some(&lib.staff),
            json!({"ids": [ids[0] + 0.5]}),
        )
        .expect_field_error(400, "ids[0]");
    let printed = lib
        .app
        .post(
            "/notices/slips/printed",
            Some(&lib.staff),
            json!({"ids": ids}),
        )
        .expect(200);
    assert_eq!(printed.result()["printed"], 4);
    let left = lib.app.get("/notices/slips", Some(&lib.staff)).expect(200);
    assert_eq!(left.result().as_array().unwrap().len(), 0);
    assert_eq!(lib.log("status=printed").len(), 4);
}

#[test]
fn a_ready_hold_is_told_at_once_and_the_day_before_it_lapses() {
    let lib = library();
    let book = lib.book("Momo");
    let loan = lib.lend(&lib.ben, book);
    // Hanna (a member who signs in, with e-mail) holds the book Ben has; Ben brings it back.
    let (_, ann_token) = lib.app.user("hanna");
    lib.app
        .post(&format!("/books/{book}/holds"), Some(&ann_token), json!({}))
        .expect(201);
    lib.app
        .post(
            &format!("/loans/{}/return", loan["id"]),
            Some(&lib.staff),
            json!({}),
        )
        .expect(200);
    let report = lib.run(today());
    assert_eq!(report["created"], 1, "{report}");
    let mail = lib.mails(1).remove(0);
    assert_eq!(header(&mail, "Subject"), Some("Ready for you: Momo"));
    assert_eq!(mail.rcpt_to, vec!["<hanna@example.org>".to_string()]);
    // Ready until: the pickup days from today; the day before, a last call.
    let hold = &lib.log("kind=hold_ready")[0];
    assert_eq!(hold["status"], "sent");
    let ready = lib.app.get("/holds", Some(&ann_token)).expect(200);
    let until = Day::of(crate::lending::seconds(
        &ready.result().as_array().unwrap()[0]["ready_until"],
    ));
    assert_eq!(lib.run(until.plus(-2))["created"], 0);
    lib.mails(0);
    let report = lib.run(until.plus(-1));
    assert_eq!(report["created"], 1, "{report}");
    let mail = lib.mails(1).remove(0);
    assert_eq!(header(&mail, "Subject"), Some("Last day to collect: Momo"));
    assert_eq!(lib.run(until.plus(-1))["created"], 0);
}

#[test]
fn a_send_that_fails_is_retried_later_and_shown_never_lost() {
    // A port nothing listens on (yet).
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let (_unused, inbox) = mpsc::channel();
    let lib = library_mailing_to(port, inbox);
    let loan = lib.lend(&lib.ann, lib.book("Momo"));
    let report = lib.run(due_day(&loan).plus(-1));
    assert_eq!(
        (report["created"].as_i64(), report["failed"].as_i64()),
        (Some(1), Some(1))
    );
    let logged = &lib.log("kind=due_soon")[0];
    assert_eq!(logged["status"], "pending", "{logged}");
    assert_eq!(logged["attempts"], 1);
    assert!(
        !logged["last_error"].as_str().unwrap_or("").is_empty(),
        "{logged}"
    );
    assert!(
        logged["next_attempt_at"].as_i64().unwrap() > now(),
        "backs off"
    );
    let id = logged["id"].as_i64().unwrap();
    // Staff send it again by hand until the last attempt: then it is failed, and shown.
    for _ in 1..library_server::services::notices::MAX_ATTEMPTS {
        lib.app
            .post(
                &format!("/notices/{id}/send-again"),
                Some(&lib.staff),
                json!({}),
            )
            .expect(200);
    }
    let failed = lib.log("status=failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0]["attempts"],
        library_server::services::notices::MAX_ATTEMPTS
    );
    // The mail server is back: sending again delivers it, under the same Message-ID.
    let (inbox_sender, inbox) = mpsc::channel();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        crate::common::smtp::serve_listener(listener, 1, &inbox_sender);
    });
    let sent = lib
        .app
        .post(
            &format!("/notices/{id}/send-again"),
            Some(&lib.staff),
            json!({}),
        )
        .expect(200);
    assert_eq!(sent.result()["status"], "sent");
    let mail = inbox
        .recv_timeout(Duration::from_secs(10))
        .expect("the mail");
    assert!(header(&mail, "Message-ID")
        .unwrap_or_default()
        .starts_with(&format!("<notice-{id}.")));
    // Sent mail cannot be sent again; a slip is never mailed.
    lib.app
        .post(
            &format!("/notices/{id}/send-again"),
            Some(&lib.staff),
            json!({}),
        )
        .expect_field_error(409, "id");
    lib.app
        .post("/notices/999/send-again", Some(&lib.staff), json!({}))
        .expect(404);
}

#[test]
fn only_staff_read_the_log_and_only_admins_change_or_run() {
    let lib = library();
    let (_, member) = lib.app.user("mia");
    lib.app.get("/notices", None).expect(401);
    lib.app.get("/notices", Some(&member)).expect(403);
    lib.app.get("/notices/slips", Some(&member)).expect(403);
    lib.app.get("/notices/templates", Some(&member)).expect(403);
    lib.app
        .post("/notices/run", Some(&lib.staff), json!({}))
        .expect(403);
    lib.app
        .patch("/notices/settings", Some(&lib.staff), json!({"hour": 8}))
        .expect(403);
    lib.app
        .get("/notices/settings", Some(&lib.staff))
        .expect(403);
    let ben = lib.ben["id"].as_i64().unwrap();
    lib.app
        .post(&format!("/patrons/{ben}/notices"), Some(&member), json!({}))
        .expect(403);
    lib.app
        .post("/patrons/99999/notices", Some(&lib.staff), json!({}))
        .expect(404);
    lib.app
        .get("/notices?status=lost", Some(&lib.staff))
        .expect_field_error(400, "status");
    lib.app
        .get("/notices?from=2026-02-30", Some(&lib.staff))
        .expect_field_error(400, "from");
    lib.app
        .post(
            "/notices/run",
            Some(&lib.admin),
            json!({"today": "tomorrow"}),
        )
        .expect_field_error(400, "today");
    lib.app
        .post("/notices/run", Some(&lib.admin), json!({"when": "now"}))
        .expect(400);
}

#[test]
fn settings_are_checked_and_kept() {
    let lib = library();
    let found = lib
        .app
        .get("/notices/settings", Some(&lib.admin))
        .expect(200);
    assert_eq!(found.result()["due_soon_days"], 2);
    assert_eq!(found.result()["overdue_every_days"], 7);
    assert_eq!(found.result()["overdue_reminders"], 3);
    assert_eq!(found.result()["daily_backup"], true);
    assert_eq!(found.result()["backups_kept"], 7);
    for (field, value) in [
        ("hour", json!(24)),
        ("due_soon_days", json!(-1)),
        ("overdue_every_days", json!(0)),
        ("backups_kept", json!(0)),
        ("language", json!("fr")),
        ("library_name", json!("")),
    ] {
        lib.app
            .patch(
                "/notices/settings",
                Some(&lib.admin),
                json!({ field: value }),
            )
            .expect_field_error(400, field);
    }
    let changed = lib
        .app
        .patch(
            "/notices/settings",
            Some(&lib.admin),
            json!({"due_soon_days": 3, "language": "de", "library_name": "Schulbibliothek"}),
        )
        .expect(200);
    assert_eq!(changed.result()["due_soon_days"], 3);
    assert_eq!(changed.result()["hour"], 7, "what is left out stays");
    // The German wording, three days ahead, signed with the library's name.
    let loan = lib.lend(&lib.ann, lib.book("Momo"));
    assert_eq!(lib.run(due_day(&loan).plus(-4))["created"], 0);
    assert_eq!(lib.run(due_day(&loan).plus(-3))["created"], 1);
    let mail = lib.mails(1).remove(0);
    let body = crate::common::quoted_printable_decode(&mail.data);
    assert!(body.contains("Hallo Ann Reader"), "{body}");
    assert!(body.contains("Schulbibliothek"), "{body}");
    // Switched off: the run makes nothing.
    lib.app
        .patch(
            "/notices/settings",
            Some(&lib.admin),
            json!({"enabled": false}),
        )
        .expect(200);
    assert_eq!(lib.run(due_day(&loan).plus(1))["created"], 0);
}

#[test]
fn send_now_tells_one_patron_what_is_due_for_them_only() {
    let lib = library();
    let book = lib.book("Momo");
    let other = lib.book("Emil");
    lib.lend(&lib.ann, book);
    lib.lend(&lib.ben, other);
    // Make both loans overdue as of today.
    lib.app
        .sql()
        .execute("UPDATE loans SET due_at = ?1", [now() - 3 * 86_400])
        .unwrap();
    let ann = lib.ann["id"].as_i64().unwrap();
    let report = lib
        .app
        .post(
            &format!("/patrons/{ann}/notices"),
            Some(&lib.staff),
            json!({}),
        )
        .expect(200);
    assert_eq!(report.result()["created"], 1, "{}", report.body);
    assert_eq!(report.result()["sent"], 1);
    lib.mails(1);
    let all = lib.log("");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["user_id"], ann);
    // Again: nothing new.
    let again = lib
        .app
        .post(
            &format!("/patrons/{ann}/notices"),
            Some(&lib.staff),
            json!({}),
        )
        .expect(200);
    assert_eq!(again.result()["created"], 0);
}
