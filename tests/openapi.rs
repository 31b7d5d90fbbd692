//! The OpenAPI document is generated from the code; this keeps it complete.

mod common;

use std::collections::BTreeSet;

use common::TestApp;
use serde_json::Value;

/// `/users/<id>/image?<x>` → `/users/{id}/image`; `<path..>` → `{path}`.
fn openapi_path(rocket_path: &str) -> String {
    rocket_path
        .split('/')
        .map(
            |segment| match segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                Some(name) => format!("{{{}}}", name.trim_end_matches("..")),
                None => segment.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn document(app: &TestApp) -> Value {
    let reply = app.get("/openapi.json", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    reply.body
}

#[test]
fn every_route_is_in_the_document() {
    let app = TestApp::new();
    let doc = document(&app);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut missing = BTreeSet::new();
    for route in app.client.rocket().routes() {
        let path = openapi_path(route.uri.path());
        let method = route.method.as_str().to_ascii_lowercase();
        if doc["paths"][&path][&method].is_null() {
            missing.insert(format!("{} {path}", route.method));
        }
    }
    assert!(missing.is_empty(), "routes the document lacks: {missing:?}");
}

#[test]
fn every_reference_resolves_and_errors_use_the_envelope() {
    let app = TestApp::new();
    let doc = document(&app);
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            !doc["components"]["schemas"][name].is_null(),
            "unresolved $ref {name}"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["access_token"]["in"], "header");
    let register = &doc["paths"]["/users/register"]["post"];
    for encoding in [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        assert!(
            !register["requestBody"]["content"][encoding].is_null(),
            "{encoding}"
        );
    }
    for status in ["201", "400", "409", "413", "415"] {
        assert!(
            !register["responses"][status].is_null(),
            "register documents {status}"
        );
    }
    let me = &doc["paths"]["/users/me"]["get"];
    assert!(!me["responses"]["401"].is_null());
    assert!(
        doc["paths"]["/users/{id}"]["get"]["responses"]["404"]["content"]["application/json"]
            ["schema"]["$ref"]
            .as_str()
            .unwrap()
            .ends_with("ErrorEnvelope")
    );
}

#[test]
fn the_document_path_form_is_derived_correctly() {
    assert_eq!(openapi_path("/users/<id>/image"), "/users/{id}/image");
    assert_eq!(openapi_path("/admin/<path..>"), "/admin/{path}");
    assert_eq!(openapi_path("/health"), "/health");
}

#[test]
fn login_documents_the_device_token_both_ways() {
    let app = TestApp::new();
    let doc = document(&app);
    let schemas = &doc["components"]["schemas"];
    let sent = &schemas["LoginRequest"]["properties"]["device_token"];
    assert_eq!(sent["type"], "string", "{sent}");
    assert_eq!(sent["maxLength"], 256);
    let required = schemas["LoginRequest"]["required"].to_string();
    assert!(!required.contains("device_token"), "optional: {required}");
    let answered = &schemas["LoginReply"]["properties"]["device_token"];
    assert_eq!(answered["type"], "string", "{answered}");
    let login = &doc["paths"]["/users/login"]["post"]["responses"];
    assert!(!login["429"].is_null() && !login["401"].is_null());
}
