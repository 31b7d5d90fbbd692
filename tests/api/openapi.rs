//! The OpenAPI document is generated from the code; this keeps it complete.

use std::collections::BTreeSet;

use crate::common::TestApp;
use serde_json::{json, Value};

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

/// Every `{name}` of a documented path is documented as a path parameter. utoipa reads a
/// handler's `i64` argument by itself, but a typed id (`BookId`) only when the route lists
/// it in `params(...)`; without that the parameter is left out, silently.
#[test]
fn every_path_segment_is_a_documented_parameter() {
    let app = TestApp::new();
    let doc = document(&app);
    let mut missing = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, operation) in operations.as_object().unwrap() {
            for name in &names {
                let documented = operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" && p["name"] == *name));
                if !documented {
                    missing.insert(format!("{method} {path}: {name}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented path parameters: {missing:?}"
    );
}

/// Fills a route's path parameters with resources the walker made: `/users/<id>` gets the
/// member, `/books/<…>` the book, `/loans/<id>` the loan, `/holds/<id>` the hold,
/// `/items/<id>` a copy, `/patrons/<id>` the member, `/loan-rules/<group>` a group,
/// `/notices/templates/<kind>/<language>` the due-soon text in English.
fn fill(rocket_path: &str, ids: &[(&str, i64)]) -> String {
    let resource = rocket_path.split('/').nth(1).unwrap_or_default();
    rocket_path
        .split('/')
        .map(|segment| {
            if !segment.starts_with('<') {
                return segment.to_string();
            }
            // A notice template's kind and language.
            match segment {
                "<kind>" => return "due_soon".to_string(),
                "<language>" => return "en".to_string(),
                _ => {}
            }
            let (_, id) = ids
                .iter()
                .find(|(name, _)| *name == resource)
                .unwrap_or_else(|| panic!("the walker cannot fill {rocket_path}: teach it"));
            id.to_string()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The file fields a multipart-only body requires, from the document.
fn required_files(doc: &Value, operation: &Value) -> Vec<String> {
    let mut schema = &operation["requestBody"]["content"]["multipart/form-data"]["schema"];
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        schema = &doc["components"]["schemas"][name];
    }
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect()
}

/// Every route that changes something refuses a field it does not know, naming it: with a
/// body it ignored, a client would believe a change was made (`{"days": 365}` on a renewal)
/// that was not. Routes that take no fields refuse any field too.
#[test]
fn every_mutating_route_refuses_an_unknown_field_by_name() {
    use crate::common::{Part, Payload};
    use rocket::http::Method;
    use serde_json::json;

    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (member, member_token) = app.user("ann");
    let book = app
        .post(
            "/books",
            Some(&admin),
            json!({"title": "T", "author": "A", "copies": 2}),
        )
        .expect(201)
        .result()["id"]
        .as_i64()
        .unwrap();
    let loan = app
        .post("/loans", Some(&member_token), json!({"book_id": book}))
        .expect(201)
        .result()["id"]
        .as_i64()
        .unwrap();
    let hold = app
        .post(&format!("/books/{book}/holds"), Some(&admin), json!({}))
        .expect(201)
        .result()["id"]
        .as_i64()
        .unwrap();
    let item = app
        .get(&format!("/books/{book}/items"), Some(&admin))
        .expect(200)
        .result()[0]["id"]
        .as_i64()
        .unwrap();
    let ids = [
        ("users", member),
        ("books", book),
        ("loans", loan),
        ("holds", hold),
        ("items", item),
        ("patrons", member),
        // A group's name; any text will do.
        ("loan-rules", 5),
        // The body is refused before the notice is looked for.
        ("notices", 1),
    ];
    let doc = document(&app);

    let mut walked = Vec::new();
    let mut failures = Vec::new();
    let routes: Vec<(Method, String)> = app
        .client
        .rocket()
        .routes()
        .filter(|r| {
            matches!(
                r.method,
                Method::Post | Method::Put | Method::Patch | Method::Delete
            )
        })
        .map(|r| (r.method, r.uri.path().to_string()))
        .collect();
    for (method, rocket_path) in routes {
        let operation =
            &doc["paths"][openapi_path(&rocket_path)][method.as_str().to_ascii_lowercase()];
        // The original Flask server's calls ignore unknown fields, as it did
        // (tests/api/users/compat.rs sends them some).
        if operation["tags"]
            .as_array()
            .is_some_and(|tags| tags.contains(&json!("compatibility")))
        {
            continue;
        }
        let content = &operation["requestBody"]["content"];
        let payload = if content.is_object() && content["application/json"].is_null() {
            // An upload: the files it needs, and one field too many.
            let mut parts: Vec<Part> = required_files(&doc, operation)
                .iter()
                .map(|name| Part::file(name, "upload.bin", b"not read".to_vec()))
                .collect();
            parts.push(Part::text("zzz_unknown", "1"));
            Payload::Multipart(parts)
        } else {
            Payload::Json(json!({"zzz_unknown": 1}))
        };
        let path = fill(&rocket_path, &ids);
        let reply = app.send(method, &path, Some(&admin), payload);
        walked.push(format!("{method} {path}"));
        if reply.status != 400 || !reply.body["errors"]["zzz_unknown"].is_string() {
            failures.push(format!("{method} {path}: {} {}", reply.status, reply.body));
        }
    }
    assert!(walked.len() >= 15, "walked only {walked:?}");
    assert!(
        failures.is_empty(),
        "routes that took an unknown field: {failures:#?}"
    );
    // Nothing was changed on the way.
    app.get(&format!("/books/{book}"), None).expect(200);
    app.get(&format!("/users/{member}"), Some(&admin))
        .expect(200);
    let loan = app.get(&format!("/loans/{loan}"), Some(&admin)).expect(200);
    assert_eq!(loan.result()["renewals"], 0);
    assert_eq!(loan.result()["status"], "active");
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

/// utoipa's attributes take only literal numbers; each limit the document states must be
/// the constant the validator applies. (Book fields are documented from their constants
/// directly; they are checked here too.)
#[test]
fn every_documented_limit_is_the_one_the_server_applies() {
    use library_server::auth::device::MAX_DEVICE_TOKEN_LEN;
    use library_server::domain::book::{self, Kind, FIELDS};
    use library_server::domain::{Email, Password, Username};
    use library_server::views::book::MAX_QUERY;
    use library_server::views::paging::MAX_PER_PAGE;
    use library_server::views::user::MAX_RESET_TOKEN_LEN;

    let app = TestApp::new();
    let doc = document(&app);
    let schemas = &doc["components"]["schemas"];
    let number = |schema: &str, property: &str, keyword: &str| {
        schemas[schema]["properties"][property][keyword]
            .as_i64()
            .unwrap_or_else(|| panic!("{schema}.{property} has no {keyword}"))
    };
    let n = |limit: usize| limit as i64;
    for (schema, property, keyword, limit) in [
        ("RegisterRequest", "email", "maxLength", n(Email::MAX_LEN)),
        (
            "RegisterRequest",
            "password",
            "minLength",
            n(Password::MIN_LEN),
        ),
        (
            "RegisterRequest",
            "password",
            "maxLength",
            n(Password::MAX_BYTES),
        ),
        (
            "RegisterRequest",
            "username",
            "minLength",
            n(Username::MIN_LEN),
        ),
        (
            "RegisterRequest",
            "username",
            "maxLength",
            n(Username::MAX_LEN),
        ),
        ("LoginRequest", "email", "maxLength", n(Email::MAX_LEN)),
        ("LoginRequest", "username", "maxLength", n(Email::MAX_LEN)),
        (
            "LoginRequest",
            "password",
            "maxLength",
            n(Password::MAX_BYTES),
        ),
        (
            "LoginRequest",
            "device_token",
            "maxLength",
            n(MAX_DEVICE_TOKEN_LEN),
        ),
        (
            "UsernameRequest",
            "username",
            "minLength",
            n(Username::MIN_LEN),
        ),
        (
            "UsernameRequest",
            "username",
            "maxLength",
            n(Username::MAX_LEN),
        ),
        ("ForgotRequest", "email", "maxLength", n(Email::MAX_LEN)),
        ("ResetRequest", "token", "maxLength", n(MAX_RESET_TOKEN_LEN)),
        (
            "ResetRequest",
            "password",
            "minLength",
            n(Password::MIN_LEN),
        ),
        (
            "ResetRequest",
            "password",
            "maxLength",
            n(Password::MAX_BYTES),
        ),
    ] {
        assert_eq!(
            number(schema, property, keyword),
            limit,
            "{schema}.{property} {keyword}"
        );
    }
    assert_eq!(schemas["Tag"]["maxLength"].as_i64(), Some(n(book::MAX_TAG)));
    for schema in ["BookRequest", "BookPatch"] {
        for field in FIELDS {
            let at = |keyword| number(schema, field.name, keyword);
            match field.kind {
                Kind::Text { max, .. } => assert_eq!(at("maxLength"), n(max), "{}", field.name),
                Kind::Number { min, max, .. } => {
                    assert_eq!((at("minimum"), at("maximum")), (min, max), "{}", field.name)
                }
                Kind::Isbn => assert_eq!(at("maxLength"), n(book::MAX_ISBN_TEXT)),
                Kind::Tags => assert_eq!(at("maxItems"), n(book::MAX_TAGS)),
            }
        }
    }
    // Query parameters: the search texts of GET /books, the username prefix of GET /users
    // and every list's page size.
    let parameter = |path: &str, name: &str, keyword: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["schema"][keyword].as_i64())
            .unwrap_or_else(|| panic!("GET {path} ?{name} has no {keyword}"))
    };
    for name in ["q", "author", "tag"] {
        assert_eq!(
            parameter("/books", name, "maxLength"),
            n(MAX_QUERY),
            "{name}"
        );
    }
    assert_eq!(parameter("/users", "q", "maxLength"), n(Username::MAX_LEN));
    for path in ["/books", "/users", "/loans", "/holds"] {
        assert_eq!(
            parameter(path, "per_page", "maximum"),
            i64::from(MAX_PER_PAGE),
            "{path}"
        );
    }
}

/// Rules between fields are in the document too: a login names someone and gives a secret;
/// a patron gets a PIN or a password, not both.
#[test]
fn rules_between_fields_are_documented() {
    let app = TestApp::new();
    let doc = document(&app);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["LoginRequest"]["allOf"],
        json!([
            {"anyOf": [{"required": ["email"]}, {"required": ["username"]}, {"required": ["card_number"]}]},
            {"anyOf": [{"required": ["password"]}, {"required": ["pin"]}]},
        ])
    );
    for name in ["PatronRequest", "NewPatronRequest"] {
        assert_eq!(
            schemas[name]["allOf"][0]["not"],
            json!({"required": ["pin", "password"]}),
            "{name}"
        );
        assert_eq!(
            schemas[name]["allOf"][1]["anyOf"][1]["required"],
            json!(["blocked_reason"]),
            "{name}"
        );
    }
    assert_eq!(
        schemas["SchoolYearRequest"]["properties"]["cards"]["oneOf"][0]["items"]["pattern"],
        "\\S"
    );
    // And the server keeps them.
    app.post("/users/login", None, json!({"password": "x"}))
        .expect_field_error(400, "email");
    app.post("/users/login", None, json!({"username": "", "pin": "1234"}))
        .expect_field_error(400, "username");
    app.post(
        "/users/login",
        None,
        json!({"card_number": "P1", "pin": ""}),
    )
    .expect_field_error(400, "pin");
    app.post("/users/login", None, json!({"card_number": "P1"}))
        .expect_field_error(400, "password");
}
