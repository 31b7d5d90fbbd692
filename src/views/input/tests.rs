use super::*;
use serde::{Deserialize, Deserializer};
use serde_json::json;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Sample {
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    count: Option<i64>,
}

/// Fields serde itself requires, with no help from `lenient_i64`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Strict {
    id: i64,
    label: String,
}

fn body(fields: Value) -> Body {
    match fields {
        Value::Object(fields) => Body {
            fields,
            files: Vec::new(),
            text_only: false,
        },
        _ => unreachable!(),
    }
}

fn form(fields: Value) -> Body {
    Body {
        text_only: true,
        ..body(fields)
    }
}

/// The field problems of a failed parse.
fn problems<T: DeserializeOwned + ToSchema + std::fmt::Debug>(body: Body) -> FieldErrors {
    match body.parse::<T>() {
        Err(AppError::Invalid(errors)) => errors,
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[test]
fn wrong_types_name_the_field() {
    let errors = problems::<Sample>(body(json!({"name": 5})));
    assert_eq!(errors["name"], "must be a string");
    let errors = problems::<Strict>(body(json!({"id": 1, "label": ["x"]})));
    assert_eq!(errors["label"], "must be a string");
    let errors = problems::<Strict>(body(json!({"id": true, "label": "x"})));
    assert_eq!(errors["id"], "must be a whole number");
}

#[test]
fn unknown_fields_are_named_every_one() {
    let errors = problems::<Sample>(body(json!({"name": "a", "nmae": "b", "cuont": 1})));
    assert_eq!(errors["nmae"], "is not a field of this request");
    assert_eq!(errors["cuont"], "is not a field of this request");
    assert_eq!(errors.len(), 2, "{errors:?}");
    let errors = problems::<Empty>(form(json!({"days": "365"})));
    assert_eq!(errors["days"], "is not a field of this request");
}

#[test]
fn missing_fields_are_named() {
    let errors = problems::<Strict>(body(json!({"label": "x"})));
    assert_eq!(errors["id"], "is required");
    assert_eq!(errors.len(), 1);
    let errors = problems::<Strict>(body(json!({})));
    assert_eq!(errors["id"], "is required");
    assert_eq!(errors["label"], "is required");
}

#[test]
fn numbers_come_as_numbers_or_text() {
    let sample: Sample = form(json!({"count": "7"})).parse().unwrap();
    assert_eq!(sample.count, Some(7));
    let sample: Sample = form(json!({"count": "null"})).parse().unwrap();
    assert_eq!(sample.count, None);
    let sample: Sample = form(json!({"count": ""})).parse().unwrap();
    assert_eq!(sample.count, None);
    assert_eq!(
        problems::<Sample>(form(json!({"count": "x"})))["count"],
        "must be a whole number"
    );
    // In JSON a number written as a string is a type error.
    assert_eq!(
        problems::<Sample>(body(json!({"count": "7"})))["count"],
        "must be a whole number, not text"
    );
    let sample: Sample = body(json!({"count": 8})).parse().unwrap();
    assert_eq!(sample.count, Some(8));
    // 878.0 is an integer to JSON Schema, and so to the server.
    let sample: Sample = body(json!({"count": 878.0})).parse().unwrap();
    assert_eq!(sample.count, Some(878));
    assert!(body(json!({"count": "x"})).parse::<Sample>().is_err());
    assert!(body(json!({"count": 1.5})).parse::<Sample>().is_err());
    assert_eq!(body(json!({})).parse::<Sample>().unwrap().name, None);
}

#[test]
fn text_numbers_fill_plain_integer_fields_only_in_forms() {
    let strict: Strict = form(json!({"id": "12", "label": "x"})).parse().unwrap();
    assert_eq!((strict.id, strict.label.as_str()), (12, "x"));
    let errors = problems::<Strict>(body(json!({"id": "12", "label": "x"})));
    assert_eq!(errors["id"], "must be a whole number, not text");
    // Only where the schema asks for a number: text fields keep their digits as text.
    let sample: Sample = form(json!({"name": "42"})).parse().unwrap();
    assert_eq!(sample.name.as_deref(), Some("42"));
}

/// Parses a JSON body in the middle of deserialising another one, on the same thread.
fn parse_json_meanwhile<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    let inner = body(json!({"count": "7"})).parse::<Sample>();
    assert!(inner.is_err(), "in JSON, text is not a number: {inner:?}");
    Ok(text)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Outer {
    #[serde(deserialize_with = "parse_json_meanwhile")]
    first: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    count: Option<i64>,
}

#[test]
fn bodies_parsed_at_once_on_one_thread_do_not_meet() {
    // A per-thread "text may be a number" flag was once set by the outer (form) parse
    // and cleared by the inner (JSON) one, so the outer form's "7" was then refused.
    let outer: Outer = form(json!({"first": "x", "count": "7"})).parse().unwrap();
    assert_eq!((outer.first.as_str(), outer.count), ("x", Some(7)));
    let outer: Outer = body(json!({"first": "x", "count": 7})).parse().unwrap();
    assert_eq!(outer.count, Some(7));
}

#[test]
fn repeated_form_fields_become_arrays() {
    let mut b = Body::default();
    b.add_field("tags".into(), "a".into());
    b.add_field("tags".into(), "b".into());
    assert_eq!(b.fields["tags"], json!(["a", "b"]));
}
