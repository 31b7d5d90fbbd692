//! The contract: `/openapi.json` describes every path and object the desk uses.

use super::*;

fn document(app: &TestApp) -> Value {
    let reply = app.get("/openapi.json", None);
    assert_eq!(reply.status, 200);
    reply.body
}

/// The property names of a component schema.
fn properties(doc: &Value, schema: &str) -> Vec<String> {
    let found = &doc["components"]["schemas"][schema];
    assert!(!found.is_null(), "schema {schema} is documented");
    found["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema} has properties: {found}"))
        .keys()
        .cloned()
        .collect()
}

fn has_all(doc: &Value, schema: &str, names: &[&str]) {
    let listed = properties(doc, schema);
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| !listed.iter().any(|l| l == **n))
        .collect();
    assert!(missing.is_empty(), "{schema} lacks {missing:?}: {listed:?}");
}

#[test]
fn every_new_path_is_documented_with_its_failures() {
    let app = TestApp::new();
    let doc = document(&app);
    let paths = &doc["paths"];
    for (path, method, statuses) in [
        ("/books/{id}/items", "get", &["200"][..]),
        ("/books/{id}/items", "post", &["201", "409"]),
        ("/items/{id}", "get", &["200"]),
        ("/items/{id}", "patch", &["200", "409"]),
        ("/items/{id}", "delete", &["200", "409"]),
        ("/items/barcode/{barcode}", "get", &["200", "404", "422"]),
        ("/items/{id}/lost", "post", &["200"]),
        ("/items/{id}/found", "post", &["200", "409"]),
        ("/returns", "post", &["200", "404", "409", "422"]),
        ("/patrons", "get", &["200"]),
        ("/patrons/card/{card}", "get", &["200", "404", "422"]),
        ("/patrons/{id}", "get", &["200"]),
        ("/patrons/{id}", "patch", &["200", "409"]),
        ("/loans", "post", &["201", "403", "404", "409", "422"]),
    ] {
        let operation = &paths[path][method];
        assert!(!operation.is_null(), "{method} {path} is documented");
        for status in statuses {
            assert!(
                !operation["responses"][status].is_null(),
                "{method} {path} documents {status}"
            );
        }
    }
    // The refusal codes are named where they can happen.
    let borrow = paths["/loans"]["post"]["responses"].to_string();
    for code in [
        "item_on_loan",
        "item_on_hold_shelf",
        "item_withdrawn",
        "item_lost",
        "patron_overdue",
        "loan_limit",
        "unknown_barcode",
        "unknown_card",
        "patron_card_not_item",
        "item_not_card",
        "self_checkout_off",
    ] {
        assert!(borrow.contains(code), "POST /loans names {code}");
    }
    let returns = paths["/returns"]["post"]["responses"].to_string();
    for code in [
        "not_on_loan",
        "item_withdrawn",
        "unknown_barcode",
        "patron_card_not_item",
    ] {
        assert!(returns.contains(code), "POST /returns names {code}");
    }
}

#[test]
fn every_new_object_and_field_is_documented() {
    let app = TestApp::new();
    let doc = document(&app);
    has_all(
        &doc,
        "ItemView",
        &[
            "id",
            "book_id",
            "title",
            "barcode",
            "location",
            "status",
            "acquired_on",
            "price",
            "note",
            "needs_review",
            "on_loan_to",
            "held_for",
        ],
    );
    has_all(
        &doc,
        "ItemRequest",
        &[
            "barcode",
            "location",
            "acquired_on",
            "price",
            "note",
            "status",
        ],
    );
    let statuses = doc["components"]["schemas"]["ItemStatus"]["enum"].clone();
    assert_eq!(
        statuses,
        json!([
            "available",
            "on_loan",
            "on_hold_shelf",
            "in_transit",
            "in_repair",
            "lost",
            "missing",
            "withdrawn"
        ])
    );
    has_all(
        &doc,
        "ReturnView",
        &[
            "item",
            "loan",
            "previous_status",
            "next",
            "hold",
            "instruction",
        ],
    );
    has_all(&doc, "ReturnRequest", &["barcode"]);
    has_all(
        &doc,
        "PatronView",
        &["id", "full_name", "card_number", "group", "display_name"],
    );
    has_all(
        &doc,
        "PatronRequest",
        &["full_name", "card_number", "group"],
    );
    has_all(
        &doc,
        "PatronPanel",
        &["patron", "loans", "holds", "overdue"],
    );
    has_all(
        &doc,
        "DeskLoan",
        &["title", "barcode", "due_at", "status", "item_id"],
    );
    has_all(
        &doc,
        "DeskHold",
        &["title", "status", "barcode", "ready_until"],
    );
    has_all(&doc, "LoanView", &["item_id", "barcode"]);
    has_all(&doc, "HoldView", &["item_id"]);
    has_all(
        &doc,
        "BorrowRequest",
        &[
            "barcode",
            "item_id",
            "book_id",
            "isbn",
            "card_number",
            "user_id",
        ],
    );
    has_all(
        &doc,
        "ErrorEnvelope",
        &["message", "status", "errors", "code", "params", "detail"],
    );
}
