//! What every answer carries: cache headers, JSON errors, 405 with Allow, unknown fields.

use super::count_users;
use crate::common::{Payload, TestApp, PASSWORD};
use rocket::http::Method;
use serde_json::json;

// ---------------------------------------------------------------- every response is JSON

#[test]
fn answers_with_tokens_or_personal_data_are_not_stored_by_caches() {
    let app = TestApp::new();
    let registered = app.post(
        "/users/register",
        None,
        json!({"email": "admin@example.org", "username": "admin", "password": PASSWORD}),
    );
    assert_eq!(registered.header("Cache-Control"), Some("no-store"));
    let login = app
        .post(
            "/users/login",
            None,
            json!({"email": "admin@example.org", "password": PASSWORD}),
        )
        .expect(200);
    assert_eq!(login.header("Cache-Control"), Some("no-store"));
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let failed = app.post(
        "/users/login",
        None,
        json!({"email": "admin@example.org", "password": "wrong-password"}),
    );
    assert_eq!(failed.header("Cache-Control"), Some("no-store"));
    for path in [
        "/users/me",
        "/users",
        "/users/1",
        "/users/username/admin",
        "/loans",
        "/holds",
    ] {
        let reply = app.get(path, Some(&token)).expect(200);
        assert_eq!(reply.header("Cache-Control"), Some("no-store"), "{path}");
    }
    let forgot = app
        .post(
            "/users/password/forgot",
            None,
            json!({"email": "admin@example.org"}),
        )
        .expect(200);
    assert_eq!(forgot.header("Cache-Control"), Some("no-store"));
    // Any request that carried credentials, even to a public path.
    let book = app
        .post(
            "/books",
            Some(&token),
            json!({"title": "Dune", "author": "Frank Herbert"}),
        )
        .expect(201);
    assert_eq!(book.header("Cache-Control"), Some("no-store"));
    let reply = app.get("/books", Some(&token)).expect(200);
    assert_eq!(reply.header("Cache-Control"), Some("no-store"));
    // The public catalogue and the server's own files may be cached.
    for path in ["/books", "/books/1", "/health", "/openapi.json", "/admin"] {
        let reply = app.get(path, None);
        assert_eq!(reply.status, 200, "{path}");
        assert_ne!(reply.header("Cache-Control"), Some("no-store"), "{path}");
    }
}

#[test]
fn unknown_routes_and_errors_are_json_with_nosniff() {
    let app = TestApp::new();
    for path in ["/nowhere", "/users/1/nothing", "/images/profile/"] {
        let reply = app.get(path, None).expect(404);
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(reply.header("X-Content-Type-Options"), Some("nosniff"));
    }
}

#[test]
fn answers_carry_the_security_headers_and_no_more() {
    let app = TestApp::new();
    let (id, token) = app.user("anna");
    for reply in [
        app.get("/books", None).expect(200),
        app.get(&format!("/users/{id}"), Some(&token)).expect(200),
        app.get("/nowhere", None).expect(404),
    ] {
        assert_eq!(reply.header("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(reply.header("X-Frame-Options"), Some("SAMEORIGIN"));
        // What runs here is nobody's business, and FLoC is long gone.
        assert_eq!(reply.header("Server"), None);
        assert_eq!(reply.header("Permissions-Policy"), None);
    }
}

#[test]
fn a_known_path_with_the_wrong_method_is_405_with_allow() {
    let app = TestApp::new();
    let (_, token) = app.user("anna");
    let reply = app
        .send(
            Method::Delete,
            "/users/register",
            Some(&token),
            Payload::None,
        )
        .expect(405);
    assert_eq!(reply.body["message"], "METHOD NOT ALLOWED");
    assert_eq!(reply.header("Allow"), Some("POST"));
    let reply = app
        .send(Method::Put, "/users/1", Some(&token), Payload::None)
        .expect(405);
    let allow = reply.header("Allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");
    app.send(Method::Post, "/health", None, Payload::None)
        .expect(405);
    // Signed in or not: a method the path does not have is a 405, not a refused caller.
    for token in [None, Some("not-a-token")] {
        let reply = app
            .send(Method::Delete, "/users/login", token, Payload::None)
            .expect(405);
        assert_eq!(reply.header("Allow"), Some("POST"));
    }
    // A method the path does have still wants the caller signed in.
    app.send(Method::Delete, "/users/1", None, Payload::None)
        .expect(401);
    // A right method with a bad id is still a bad request, and unknown paths still 404.
    app.get("/users/abc", Some(&token)).expect(400);
    app.send(Method::Post, "/nothing/here", None, Payload::None)
        .expect(404);
}

#[test]
fn unknown_fields_and_repeated_parameters_are_refused_by_name() {
    let app = TestApp::new();
    let (_, token) = app.admin();
    let reply = app
        .post("/users/register", None, json!({"email": "x@example.org", "username": "xavier", "password": PASSWORD, "usrname": "typo"}))
        .expect_field_error(400, "usrname");
    assert_eq!(
        reply.body["errors"]["usrname"],
        "is not a field of this request"
    );
    assert_eq!(count_users(&app), 1);
    app.get("/users?per_page=null&per_page=null", Some(&token))
        .expect_field_error(400, "per_page");
    app.get("/users?page=1&page=2", Some(&token))
        .expect_field_error(400, "page");
    app.get("/users?q=ad&unrelated=1", Some(&token)).expect(200);
}
