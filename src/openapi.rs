//! The OpenAPI 3 document, generated from the route and type definitions. Handlers carry
//! their own success responses and particular statuses; what holds for every operation of
//! a kind (bodies in three encodings, auth statuses, bad input) is added here once.
//!
//! Dependencies run one way: this module collects the controllers' paths, and the types
//! they name (envelopes, requests, views) live in `views` and `error`, never here.

use std::sync::LazyLock;

use rocket::http::ContentType;
use rocket::{get, routes, Route};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, Required, Response};
use utoipa::{Modify, OpenApi};

use crate::controllers::{
    admin, books, calendar, compat, desk, health, holds, images, items, library, loans, notices,
    patrons, reader, users,
};
use crate::error::ErrorEnvelope;
use crate::views::envelope::{Detail, Meta};
use crate::views::user::UserView;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "library-server",
        description = "A self-hosted library server: users, books, loans and holds. \
                       Bodies may be JSON, URL-encoded forms or multipart."
    ),
    paths(
        health::health,
        users::register,
        users::login,
        users::me,
        users::list,
        users::by_id,
        users::by_username,
        users::change_username,
        users::change_image,
        users::reset::forgot_password,
        users::reset::reset_password,
        users::account::change_password,
        users::account::reading_history,
        users::account::choose_reading_history,
        users::change_role,
        users::delete_user,
        books::create,
        books::list,
        books::by_id,
        books::by_isbn,
        books::change,
        books::remove,
        books::change_cover,
        books::export_csv,
        books::import_csv,
        loans::borrow,
        loans::list,
        loans::by_id,
        loans::return_loan,
        loans::renew,
        holds::place,
        holds::list,
        holds::cancel,
        items::for_book,
        items::on_shelves,
        items::add,
        items::by_id,
        items::by_barcode,
        items::change,
        items::withdraw,
        items::lost,
        items::found,
        desk::check_in,
        desk::by_card,
        desk::by_id,
        patrons::list,
        patrons::create,
        patrons::change,
        patrons::erase,
        patrons::class_list::import,
        patrons::class_list::school_year,
        library::settings,
        library::change_settings,
        library::loan_rules,
        library::put_loan_rules,
        library::delete_loan_rules,
        library::audit_log,
        calendar::show,
        calendar::replace,
        notices::settings,
        notices::change_settings,
        notices::log,
        notices::one,
        notices::send_again,
        notices::run,
        notices::send_now,
        notices::slips,
        notices::printed,
        notices::templates,
        notices::put_template,
        notices::delete_template,
        notices::preview,
        images::profile,
        images::cover,
        compat::get_all,
        compat::get_by_id,
        compat::get_by_username,
        compat::change_username,
        compat::update_propic,
        compat::propic,
        compat::reset::request_reset,
        compat::reset::reset_password,
        admin::index,
        admin::file,
        reader::front,
        reader::book_page,
        reader::reset_page,
        reader::file,
        reader::page_settings,
        openapi_json,
    ),
    components(schemas(ErrorEnvelope, Detail, Meta, UserView)),
    modifiers(&Conventions),
    tags(
        (name = "users", description = "Accounts, login, profiles and password reset"),
        (name = "books", description = "The catalogue: search, covers, CSV import and export"),
        (name = "circulation", description = "Loans, returns, renewals and holds"),
        (name = "copies", description = "A book's copies (items), each with its barcode and status"),
        (name = "desk", description = "The circulation desk: check-in by barcode, a patron's panel by card"),
        (name = "patrons", description = "Readers' records: add, change, block, deactivate, erase; class lists and the school year"),
        (name = "library", description = "The library's settings, loan rules per group, and the audit log"),
        (name = "notices", description = "Due-soon, overdue and hold notices: settings, wording, the send log, slips, runs by hand"),
        (name = "images", description = "Profile pictures and covers"),
        (name = "service", description = "Health and this document"),
        (name = "compatibility", description = "The original Flask server's paths, bodies and messages, for its clients (README: Compatibility)"),
    )
)]
pub struct ApiDoc;

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";
const JSON: &str = "application/json";

/// The conventions of API.md, applied to every operation.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("access_token"))),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                apply(operation, JSON_ONLY.contains(&path.as_str()));
            }
        }
    }
}

fn error(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorEnvelope",
                ))))
                .build(),
        )
        .into()
}

/// Bodies of lists of objects (a calendar's closed periods) or of numbers (slips marked
/// printed), which a form's flat fields cannot carry: documented as JSON only.
const JSON_ONLY: [&str; 2] = ["/calendar", "/notices/slips/printed"];

fn apply(operation: &mut Operation, json_only: bool) {
    let responses = &mut operation.responses.responses;
    let mut add = |code: &str, description: &str| {
        responses
            .entry(code.to_string())
            .or_insert_with(|| error(description));
    };
    add(
        "400",
        "Bad input: a field, parameter or body is missing, malformed or out of range",
    );
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    if secured {
        add(
            "401",
            "No token, or one that is malformed, expired, tampered with or revoked",
        );
        add("403", "The token's user may not do this");
    }
    let has_path_params = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
    if has_path_params {
        add("404", "No such resource");
    }
    if let Some(body) = operation.request_body.as_mut() {
        add("413", "The body is larger than the configured limit");
        add(
            "415",
            "The body's content type is not JSON, a form or multipart",
        );
        // The original Flask server's calls are documented as its clients send them,
        // JSON or a form (multipart is still read). They ignore fields they do not know;
        // in multipart a field's name travels in a part's header, where a name no form
        // sends (a control character) breaks the body itself rather than being ignored.
        let compatibility = operation
            .tags
            .iter()
            .flatten()
            .any(|tag| tag == "compatibility");
        if let RefOr::T(body) = body {
            optional_body(body);
            if !json_only {
                every_encoding(body, !compatibility);
            }
        }
    }
}

/// `Option<T>` as a body means it may be left out, not that JSON `null` is a body (the
/// server refuses any body but an object). utoipa writes it `oneOf: [T, null]`; keep `T`
/// and mark the body not required.
fn optional_body(body: &mut RequestBody) {
    let is_null = |schema: &RefOr<Schema>| matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    for content in body.content.values_mut() {
        let RefOr::T(content) = content else { continue };
        let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
            continue;
        };
        if let [item, null] = one_of.items.as_slice() {
            if is_null(null) {
                content.schema = Some(item.clone());
                body.required = Some(Required::False);
            }
        }
    }
}

/// The server reads the same fields from JSON, a URL-encoded form or multipart.
fn every_encoding(body: &mut RequestBody, multipart: bool) {
    if let Some(json) = body.content.get(JSON).cloned() {
        body.content
            .entry(FORM.to_string())
            .or_insert_with(|| json.clone());
        if multipart {
            body.content.entry(MULTIPART.to_string()).or_insert(json);
        }
    }
}

/// Rules between fields that derived schemas cannot state, written into the component
/// schemas: a login names someone (`email`, `username` or `card_number`) and gives a
/// secret (`password` or `pin`); a patron gets a PIN or a password, not both, and is
/// blocked only with a reason; the school year's cards are not blank, and one card may come
/// as one text.
fn field_rules(document: &mut serde_json::Value) {
    let any_of = |names: &[&str]| {
        let each: Vec<serde_json::Value> = names
            .iter()
            .map(|name| serde_json::json!({ "required": [name] }))
            .collect();
        serde_json::json!({ "anyOf": each })
    };
    let schemas = &mut document["components"]["schemas"];
    if let Some(login) = schemas.get_mut("LoginRequest") {
        login["allOf"] = serde_json::json!([
            any_of(&["email", "username", "card_number"]),
            any_of(&["password", "pin"]),
        ]);
    }
    for name in ["PatronRequest", "NewPatronRequest"] {
        if let Some(patron) = schemas.get_mut(name) {
            patron["allOf"] = serde_json::json!([
                { "not": { "required": ["pin", "password"] } },
                { "anyOf": [
                    { "not": {
                        "required": ["status"],
                        "properties": { "status": { "const": "blocked" } }
                    } },
                    {
                        "required": ["blocked_reason"],
                        "properties": { "blocked_reason": { "type": "string", "pattern": "\\S" } }
                    }
                ] }
            ]);
        }
    }
    // A form naming one card sends one text, not a list: one text is one card.
    if let Some(cards) = schemas.pointer_mut("/SchoolYearRequest/properties/cards") {
        cards["items"]["pattern"] = serde_json::json!("\\S");
        let list = cards.take();
        *cards = serde_json::json!({
            "description": list["description"].clone(),
            "oneOf": [list, { "type": "string", "pattern": "\\S" }],
        });
    }
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut document = match serde_json::to_value(ApiDoc::openapi()) {
        Ok(document) => document,
        Err(e) => return format!("{{\"error\": \"{e}\"}}"),
    };
    field_rules(&mut document);
    serde_json::to_string(&document).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
});

pub fn routes() -> Vec<Route> {
    routes![openapi_json]
}

/// This document.
#[utoipa::path(tag = "service", responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json")))]
#[get("/openapi.json")]
pub(crate) fn openapi_json() -> (ContentType, &'static str) {
    (ContentType::JSON, DOCUMENT.as_str())
}
