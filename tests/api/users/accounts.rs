//! Looking users up and changing them: lists, usernames, roles, deleting.

use super::{count_users, stored_pictures, upload};
use crate::common::{png, Part, TestApp, PASSWORD};
use serde_json::{json, Value};

// ---------------------------------------------------------------- reading users

#[test]
fn listing_pages_filters_and_hides_emails_from_members() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    for name in ["anna", "annabel", "bert", "carla"] {
        app.register(name);
    }
    let anna = app.login("anna");
    // Members see no one else unless the library lets them see usernames.
    app.get("/users", Some(&anna)).expect(403);
    app.patch(
        "/settings",
        Some(&admin),
        json!({"members_see_names": true}),
    )
    .expect(200);
    let reply = app.get("/users?per_page=2&page=2", Some(&anna)).expect(200);
    assert_eq!(reply.body["message"], "GET USERS SUCCESS");
    assert_eq!(
        reply.body["meta"],
        json!({"page": 2, "per_page": 2, "total": 5})
    );
    assert_eq!(reply.result().as_array().unwrap().len(), 2);

    let reply = app.get("/users?q=ANN", Some(&anna)).expect(200);
    let names: Vec<&str> = reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anna", "annabel"]);
    let others: Vec<&Value> = reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["username"] != "anna")
        .collect();
    assert!(
        others.iter().all(|u| u.get("email").is_none()
            && u.get("card_number").is_none()
            && u.get("status").is_none()),
        "members do not see others' e-mail, card or status"
    );
    let own = reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "anna")
        .unwrap();
    assert_eq!(own["email"], "anna@example.org");

    let reply = app.get("/users?q=ann", Some(&admin)).expect(200);
    assert!(reply
        .result()
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["email"].is_string()));
    let reply = app.get("/users?q=%25", Some(&admin)).expect(200);
    assert_eq!(
        reply.body["meta"]["total"], 0,
        "'%' is literal, not a wildcard"
    );
}

#[test]
fn paging_out_of_range_or_not_a_number_is_400() {
    let app = TestApp::new();
    let (_, token) = app.admin();
    for query in [
        "page=0",
        "per_page=0",
        "per_page=101",
        "page=abc",
        "per_page=-1",
        "page=1.5",
        "per_page=",
    ] {
        let field = query.split('=').next().unwrap();
        app.get(&format!("/users?{query}"), Some(&token))
            .expect_field_error(400, field);
    }
    app.get("/users?per_page=100", Some(&token)).expect(200);
    app.get("/users", None).expect(401);
}

#[test]
fn get_by_id_and_by_username() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (id, anna) = app.user("anna");
    let reply = app.get(&format!("/users/{id}"), Some(&admin)).expect(200);
    assert_eq!(reply.result()["username"], "anna");
    assert_eq!(reply.result()["email"], "anna@example.org");
    let reply = app.get("/users/username/ANNA", Some(&anna)).expect(200);
    assert_eq!(reply.result()["id"], id);
    // Others' accounts are for staff, unless the library shows members usernames.
    app.get("/users/1", Some(&anna)).expect(403);
    app.get("/users/username/admin", Some(&anna)).expect(403);
    app.get("/users/9999", Some(&anna)).expect(403);
    app.patch(
        "/settings",
        Some(&admin),
        json!({"members_see_names": true}),
    )
    .expect(200);
    let reply = app.get("/users/1", Some(&anna)).expect(200);
    assert!(reply.result().get("email").is_none());
    assert_eq!(
        app.get("/users/9999", Some(&anna)).expect(404).body["message"],
        "NOT FOUND"
    );
    // An id that is not a 64-bit integer is a bad request.
    app.get("/users/abc", Some(&anna)).expect(400);
    app.get("/users/99999999999999999999999", Some(&anna))
        .expect(400);
    app.get("/users/username/nobody", Some(&anna)).expect(404);
    app.get(&format!("/users/{id}"), None).expect(401);
    app.get("/users/username/anna", None).expect(401);
}

// ---------------------------------------------------------------- changing users

#[test]
fn changing_a_username() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (id, anna) = app.user("anna");
    let (bert_id, bert) = app.user("bert");
    app.sql()
        .execute("UPDATE users SET modified_at = 1000 WHERE id = ?1", [id])
        .unwrap();
    let reply = app
        .patch(
            &format!("/users/{id}/username"),
            Some(&anna),
            json!({"username": "anna_k"}),
        )
        .expect(200);
    assert_eq!(reply.body["message"], "CHANGE USERNAME SUCCESS");
    assert_eq!(reply.result()["username"], "anna_k");
    assert_ne!(
        reply.result()["modified_at"],
        "Thu, 01 Jan 1970 00:16:40 GMT"
    );
    app.get("/users/username/anna_k", Some(&anna)).expect(200);

    app.patch(
        &format!("/users/{id}/username"),
        Some(&bert),
        json!({"username": "hijack"}),
    )
    .expect(403);
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": "BERT"}),
    )
    .expect_field_error(409, "username");
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": "no way"}),
    )
    .expect_field_error(400, "username");
    app.patch(&format!("/users/{id}/username"), Some(&anna), json!({}))
        .expect_field_error(400, "username");
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": 7}),
    )
    .expect_field_error(400, "username");
    app.patch(
        &format!("/users/{id}/username"),
        None,
        json!({"username": "nobody"}),
    )
    .expect(401);
    // Its own name in another case is fine.
    app.patch(
        &format!("/users/{id}/username"),
        Some(&anna),
        json!({"username": "ANNA_K"}),
    )
    .expect(200);
    // The admin may rename anyone.
    app.patch(
        &format!("/users/{bert_id}/username"),
        Some(&admin),
        json!({"username": "bertram"}),
    )
    .expect(200);
    app.patch(
        "/users/9999/username",
        Some(&admin),
        json!({"username": "ghost"}),
    )
    .expect(404);
}

#[test]
fn changing_roles_is_for_admins_and_keeps_one_admin() {
    let app = TestApp::new();
    let (admin_id, admin) = app.admin();
    let (id, anna) = app.user("anna");
    app.patch(
        &format!("/users/{id}/role"),
        Some(&anna),
        json!({"role": "admin"}),
    )
    .expect(403);
    let reply = app
        .patch(
            &format!("/users/{id}/role"),
            Some(&admin),
            json!({"role": "librarian"}),
        )
        .expect(200);
    assert_eq!(reply.result()["role"], "librarian");
    // A librarian is still not an admin.
    let anna = app.login("anna");
    app.patch(
        &format!("/users/{id}/role"),
        Some(&anna),
        json!({"role": "admin"}),
    )
    .expect(403);
    app.patch(
        &format!("/users/{id}/role"),
        Some(&admin),
        json!({"role": "king"}),
    )
    .expect_field_error(400, "role");
    app.patch(&format!("/users/{id}/role"), Some(&admin), json!({}))
        .expect_field_error(400, "role");
    app.patch(
        &format!("/users/{admin_id}/role"),
        Some(&admin),
        json!({"role": "member"}),
    )
    .expect_field_error(409, "role");
    app.patch("/users/9999/role", Some(&admin), json!({"role": "member"}))
        .expect(404);
}

// ---------------------------------------------------------------- deleting

#[test]
fn deleting_oneself_removes_the_row_the_picture_and_the_tokens() {
    let app = TestApp::new();
    app.admin();
    let (id, token) = app.user("anna");
    upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "a.png", png(10, 10))],
    )
    .expect(200);
    assert_eq!(stored_pictures(&app).len(), 1);
    let reply = app
        .delete(&format!("/users/{id}"), Some(&token))
        .expect(200);
    assert_eq!(reply.body["message"], "DELETE USER SUCCESS");
    assert!(stored_pictures(&app).is_empty());
    app.get("/users/me", Some(&token)).expect(401);
    app.get("/users/1", Some(&token)).expect(401);
    app.post(
        "/users/login",
        None,
        json!({"email": "anna@example.org", "password": PASSWORD}),
    )
    .expect(401);
    // The name and address are free again.
    app.register("anna");
}

#[test]
fn deleting_others_is_for_admins_and_the_last_admin_stays() {
    let app = TestApp::new();
    let (admin_id, admin) = app.admin();
    let (anna_id, anna) = app.user("anna");
    let (bert_id, _) = app.user("bert");
    app.delete(&format!("/users/{bert_id}"), Some(&anna))
        .expect(403);
    app.delete(&format!("/users/{bert_id}"), None).expect(401);
    app.delete(&format!("/users/{bert_id}"), Some(&admin))
        .expect(200);
    app.delete(&format!("/users/{bert_id}"), Some(&admin))
        .expect(404);
    app.delete("/users/abc", Some(&admin)).expect(400);
    app.delete(&format!("/users/{admin_id}"), Some(&admin))
        .expect(409);
    // With a second admin, the first may go.
    app.patch(
        &format!("/users/{anna_id}/role"),
        Some(&admin),
        json!({"role": "admin"}),
    )
    .expect(200);
    app.delete(&format!("/users/{admin_id}"), Some(&admin))
        .expect(200);
    assert_eq!(count_users(&app), 1);
}
