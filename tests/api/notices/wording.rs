//! The library's own wording: saved only when it renders, previewed with a real patron,
//! used by the next run, and taken back to the shipped text.

use serde_json::json;

use super::{due_day, library};

#[test]
fn a_template_that_does_not_render_is_refused_with_the_reason() {
    let lib = library();
    let path = "/notices/templates/due_soon/en";
    let refused = lib
        .app
        .put(
            path,
            Some(&lib.admin),
            json!({"subject": "Due: {{ titels }}", "body": "Hello"}),
        )
        .expect_field_error(400, "subject");
    let why = refused.body["errors"]["subject"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(why.contains("undefined"), "{why}");
    lib.app
        .put(
            path,
            Some(&lib.admin),
            json!({"subject": "Due", "body": "{% for loan in loans %}{{ loan.title }}"}),
        )
        .expect_field_error(400, "body");
    lib.app
        .put(path, Some(&lib.admin), json!({"subject": "", "body": "x"}))
        .expect_field_error(400, "subject");
    lib.app
        .put(
            path,
            Some(&lib.admin),
            json!({"subject": "x".repeat(201), "body": "x"}),
        )
        .expect_field_error(400, "subject");
    lib.app
        .put(
            "/notices/templates/due_soon/fr",
            Some(&lib.admin),
            json!({"subject": "x", "body": "x"}),
        )
        .expect_field_error(400, "language");
    lib.app
        .put(
            "/notices/templates/late/en",
            Some(&lib.admin),
            json!({"subject": "x", "body": "x"}),
        )
        .expect_field_error(400, "kind");
    lib.app
        .put(path, Some(&lib.staff), json!({"subject": "x", "body": "x"}))
        .expect(403);
    // Nothing was saved.
    let all = lib
        .app
        .get("/notices/templates", Some(&lib.staff))
        .expect(200);
    let all = all.result().as_array().unwrap().clone();
    assert_eq!(all.len(), 8, "4 kinds in 2 languages");
    assert!(all.iter().all(|t| t["custom"] == false));
}

#[test]
fn the_librarys_wording_is_previewed_with_a_real_patron_then_used() {
    let lib = library();
    let loan = lib.lend(&lib.ann, lib.book("The Night Garden"));
    let wording = json!({
        "subject": "{{ library }}: bring back {{ titles }}",
        "body": "Dear {{ name }},\n{% for loan in loans %}{{ loan.title }} is due on {{ loan.due_date }}.\n{% endfor %}See {{ patron_page }}"
    });
    // The preview fills in Ann and her loan before anything is saved.
    let mut preview = wording.clone();
    preview["kind"] = json!("due_soon");
    let shown = lib
        .app
        .post("/notices/templates/preview", Some(&lib.staff), preview)
        .expect(200);
    let body = shown.result()["body"].as_str().unwrap();
    assert!(body.starts_with("Dear Ann Reader,"), "{body}");
    assert!(
        body.contains(&format!("The Night Garden is due on {}.", due_day(&loan))),
        "{body}"
    );
    assert_eq!(shown.result()["user_id"], lib.ann["id"]);
    lib.app
        .post(
            "/notices/templates/preview",
            Some(&lib.staff),
            json!({"kind": "due_soon", "body": "{{ nope }}"}),
        )
        .expect_field_error(400, "body");

    let saved = lib
        .app
        .put("/notices/templates/due_soon/en", Some(&lib.admin), wording)
        .expect(200);
    assert_eq!(saved.result()["custom"], true);
    lib.app
        .patch(
            "/notices/settings",
            Some(&lib.admin),
            json!({"library_name": "Riverside Library"}),
        )
        .expect(200);
    lib.run(due_day(&loan).plus(-1));
    let mail = lib.mails(1).remove(0);
    assert!(
        mail.data
            .contains("Subject: Riverside Library: bring back The Night Garden"),
        "{}",
        mail.data
    );

    // Back to the shipped text.
    let shipped = lib
        .app
        .delete("/notices/templates/due_soon/en", Some(&lib.admin))
        .expect(200);
    assert_eq!(shipped.result()["custom"], false);
    assert_eq!(shipped.result()["subject"], "Due soon: {{ titles }}");
}
