//! The library's calendar: due dates move off closed days, and overdue reminders pause
//! while the library is closed.

use serde_json::json;

use super::{due_day, library, today};

#[test]
fn the_calendar_is_public_checked_and_only_admins_change_it() {
    let lib = library();
    let found = lib.app.get("/calendar", None).expect(200);
    assert_eq!(
        found.result()["open_weekdays"],
        json!([1, 2, 3, 4, 5, 6, 7])
    );
    assert_eq!(found.result()["closed"], json!([]));
    let holidays = json!({"open_weekdays": [1, 2, 3, 4, 5], "closed": [
        {"first_day": "2027-07-01", "last_day": "2027-08-15", "reason": "Summer"},
        {"first_day": "2026-12-21", "last_day": "2027-01-06", "reason": "Christmas"}
    ]});
    lib.app
        .put("/calendar", Some(&lib.staff), holidays.clone())
        .expect(403);
    lib.app.put("/calendar", None, holidays.clone()).expect(401);
    let saved = lib
        .app
        .put("/calendar", Some(&lib.admin), holidays)
        .expect(200);
    // Kept in order.
    assert_eq!(saved.result()["closed"][0]["reason"], "Christmas");
    assert_eq!(
        lib.app.get("/calendar", None).expect(200).result()["open_weekdays"],
        json!([1, 2, 3, 4, 5])
    );
    for (body, field) in [
        (json!({"open_weekdays": [], "closed": []}), "open_weekdays"),
        (json!({"open_weekdays": [0], "closed": []}), "open_weekdays"),
        (
            json!({"open_weekdays": [1], "closed": [{"first_day": "2027-01-02", "last_day": "2027-01-01", "reason": ""}]}),
            "closed[0].last_day",
        ),
        (
            json!({"open_weekdays": [1], "closed": [{"first_day": "2027-02-30", "last_day": "2027-03-01", "reason": ""}]}),
            "closed[0].first_day",
        ),
    ] {
        lib.app
            .put("/calendar", Some(&lib.admin), body)
            .expect_field_error(400, field);
    }
    lib.app
        .put("/calendar", Some(&lib.admin), json!({"open_weekdays": [1]}))
        .expect(400);
}

#[test]
fn a_due_date_in_the_holidays_moves_to_the_first_open_day_after_them() {
    let lib = library();
    // Closed from 10 to 20 days from now: a 14-day loan would fall due inside.
    let first = today().plus(10);
    let last = today().plus(20);
    lib.app
        .put(
            "/calendar",
            Some(&lib.admin),
            json!({"open_weekdays": [1, 2, 3, 4, 5, 6, 7], "closed": [
                {"first_day": first.to_string(), "last_day": last.to_string(), "reason": "Holidays"}
            ]}),
        )
        .expect(200);
    let loan = lib.lend(&lib.ann, lib.book("Momo"));
    assert_eq!(due_day(&loan), last.plus(1), "{loan}");
    // A renewal that would end in the holidays moves too (renewing before them).
    lib.app
        .put(
            "/calendar",
            Some(&lib.admin),
            json!({"open_weekdays": [1, 2, 3, 4, 5, 6, 7], "closed": [
                {"first_day": last.plus(14).to_string(), "last_day": last.plus(16).to_string(), "reason": "Break"}
            ]}),
        )
        .expect(200);
    let renewed = lib
        .app
        .post(
            &format!("/loans/{}/renew", loan["id"]),
            Some(&lib.staff),
            json!({}),
        )
        .expect(200);
    assert_eq!(due_day(renewed.result()), last.plus(17));
}

#[test]
fn overdue_reminders_pause_while_the_library_is_closed() {
    let lib = library();
    let loan = lib.lend(&lib.ann, lib.book("Momo"));
    let due = due_day(&loan);
    // Closed the ten days after the due date.
    lib.app
        .put(
            "/calendar",
            Some(&lib.admin),
            json!({"open_weekdays": [1, 2, 3, 4, 5, 6, 7], "closed": [
                {"first_day": due.plus(1).to_string(), "last_day": due.plus(10).to_string(), "reason": "Holidays"}
            ]}),
        )
        .expect(200);
    for day in 1..=10 {
        assert_eq!(lib.run(due.plus(day))["created"], 0, "closed day {day}");
    }
    // The first open day after the holidays is the first overdue day.
    assert_eq!(lib.run(due.plus(11))["created"], 1);
    let mail = lib.mails(1).remove(0);
    assert!(mail.data.contains("reminder 1"), "{}", mail.data);
    // Seven open days later, the second.
    assert_eq!(lib.run(due.plus(17))["created"], 0);
    assert_eq!(lib.run(due.plus(18))["created"], 1);
}
