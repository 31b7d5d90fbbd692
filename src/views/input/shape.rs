//! A body's fields against the request type's own OpenAPI schema, before serde sees them.
//!
//! The schema (derived with the type) names the fields, says which are required and which
//! are whole numbers, and whether any other field is refused (`deny_unknown_fields` makes it
//! `additionalProperties: false`). So a field the type does not take is named here in our
//! own words, and a number that came as text in a form is a number before serde runs: all
//! of it decided by the arguments of one call, with no state kept between calls. What serde
//! still refuses is named by its path (serde_path_to_error), and told in the schema's words.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde_json::{Map, Value};
use serde_path_to_error::{Path, Segment};
use utoipa::openapi::schema::{AdditionalProperties, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::NOT_A_FIELD;
use crate::error::{AppError, FieldErrors};

/// Deserialises `fields` into `T`. `text_only`: the body was a form or multipart, where
/// every value is text, so "7" may be a number and empty text or `null` is "not given".
pub(super) fn parse<T: DeserializeOwned + ToSchema>(
    fields: &Map<String, Value>,
    text_only: bool,
) -> Result<T, AppError> {
    let shape = Shape::of::<T>();
    let mut fields = fields.clone();
    let mut problems = FieldErrors::new();
    for (name, value) in fields.iter_mut() {
        match shape.kind_of(name) {
            None if shape.closed => {
                problems.insert(name.clone(), NOT_A_FIELD.into());
            }
            Some(Kind::Integer) => {
                if let Err(problem) = whole_number(value, text_only) {
                    problems.insert(name.clone(), problem.into());
                }
            }
            Some(kind @ (Kind::Number | Kind::Boolean)) if text_only => {
                if let Err(problem) = from_text(value, kind, shape.nullable(name)) {
                    problems.insert(name.clone(), problem.into());
                }
            }
            // The document says which fields take null; the others refuse it, rather
            // than take it for "left out".
            Some(_) if value.is_null() && !shape.nullable(name) => {
                problems.insert(name.clone(), "must not be null".into());
            }
            // "null" is how a form says null, for a field that may be null.
            Some(_) if text_only && shape.nullable(name) && *value == "null" => {
                *value = Value::Null;
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let absent: Vec<&str> = shape
        .required
        .iter()
        .map(String::as_str)
        .filter(|name| !fields.contains_key(*name))
        .collect();
    serde_path_to_error::deserialize(Value::Object(fields))
        .map_err(|e| explain(&shape, e.path(), &absent))
}

/// Makes an integer field's value what serde expects: a JSON integer (`7.0` becomes `7`),
/// or null. In a text-only body, text is read as the number it spells.
fn whole_number(value: &mut Value, text_only: bool) -> Result<(), &'static str> {
    match value {
        Value::Null => Ok(()),
        Value::Number(n) if n.is_i64() => Ok(()),
        Value::Number(n) if n.is_u64() => Err(TOO_LARGE),
        Value::Number(n) => {
            let n = n.as_f64().and_then(whole).ok_or(NOT_WHOLE)?;
            *value = Value::from(n);
            Ok(())
        }
        Value::String(text) if text_only => {
            // Forms carry only text: "null" there is what JSON's null is, "not given".
            *value = if text.is_empty() || text == "null" {
                Value::Null
            } else {
                Value::from(text.parse::<i64>().map_err(|_| NOT_WHOLE)?)
            };
            Ok(())
        }
        Value::String(_) => Err(TEXT_NOT_WHOLE),
        _ => Err(NOT_WHOLE),
    }
}

/// In a form or multipart body, where every value is text: "12.5" is the number a number
/// field asks for, "true" and "false" the yes or no a boolean field asks for; empty text or
/// "null" is null where the field may be null.
fn from_text(value: &mut Value, kind: Kind, nullable: bool) -> Result<(), &'static str> {
    let Value::String(text) = value else {
        return Ok(());
    };
    *value = match (text.as_str(), kind) {
        ("" | "null", _) if nullable => Value::Null,
        ("true", Kind::Boolean) => Value::Bool(true),
        ("false", Kind::Boolean) => Value::Bool(false),
        (number, Kind::Number) => number
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .ok_or(kind.expected())?,
        _ => return Err(kind.expected()),
    };
    Ok(())
}

/// A whole number as a JSON number: `7`, or `7.0`, which JSON Schema also calls an
/// integer; null is "not given". Text is refused here: a form's or multipart body's text
/// has already become a number (see `shape`) wherever the schema asks for one, so text
/// reaching this point was sent as text in JSON.
pub fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct WholeNumber;

    impl<'de> de::Visitor<'de> for WholeNumber {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            i64::try_from(n).map(Some).map_err(|_| E::custom(TOO_LARGE))
        }

        fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
            whole(n).map(Some).ok_or_else(|| E::custom(NOT_WHOLE))
        }

        fn visit_str<E: de::Error>(self, _text: &str) -> Result<Self::Value, E> {
            Err(E::custom(TEXT_NOT_WHOLE))
        }
    }

    deserializer.deserialize_option(WholeNumber)
}

const NOT_WHOLE: &str = "must be a whole number";
const TEXT_NOT_WHOLE: &str = "must be a whole number, not text";
const TOO_LARGE: &str = "is too large";

/// `n` as an i64 if it is whole and fits.
fn whole(n: f64) -> Option<i64> {
    // i64::MAX as f64 rounds up to 2^63, which does not fit: hence the strict `<`.
    (n.fract() == 0.0 && n >= i64::MIN as f64 && n < i64::MAX as f64).then_some(n as i64)
}

/// The JSON type a field's schema asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Number,
    String,
    Boolean,
    Array,
    Object,
    Any,
}

impl Kind {
    /// What a value of another type is told.
    fn expected(self) -> &'static str {
        match self {
            Kind::Integer => NOT_WHOLE,
            Kind::Number => "must be a number",
            Kind::String => "must be a string",
            Kind::Boolean => "must be true or false",
            Kind::Array => "must be a list",
            Kind::Object => "must be an object",
            Kind::Any => "has the wrong type",
        }
    }

    fn of_type(t: &Type) -> Kind {
        match t {
            Type::Integer => Kind::Integer,
            Type::Number => Kind::Number,
            Type::String => Kind::String,
            Type::Boolean => Kind::Boolean,
            Type::Array => Kind::Array,
            Type::Object => Kind::Object,
            _ => Kind::Any,
        }
    }

    /// `schema`'s kind; `named` holds the schemas it may refer to.
    fn of(schema: &RefOr<Schema>, named: &[(String, RefOr<Schema>)]) -> Kind {
        Kind::within(schema, named, 0)
    }

    fn within(schema: &RefOr<Schema>, named: &[(String, RefOr<Schema>)], depth: u8) -> Kind {
        let first = |items: &[RefOr<Schema>]| {
            items
                .iter()
                .map(|item| Kind::within(item, named, depth + 1))
                .find(|kind| *kind != Kind::Any)
                .unwrap_or(Kind::Any)
        };
        match schema {
            // A depth cap, in case a schema ever refers to itself.
            _ if depth > 4 => Kind::Any,
            RefOr::Ref(reference) => {
                let name = reference.ref_location.rsplit('/').next().unwrap_or("");
                match named.iter().find(|(n, _)| n == name) {
                    Some((_, schema)) => Kind::within(schema, named, depth + 1),
                    None => Kind::Any,
                }
            }
            RefOr::T(Schema::Object(object)) => match &object.schema_type {
                SchemaType::Type(t) => Kind::of_type(t),
                // `Option<T>` is `[T, null]`; null is always taken (as "not given").
                SchemaType::Array(types) => types
                    .iter()
                    .find(|t| **t != Type::Null)
                    .map_or(Kind::Any, Kind::of_type),
                SchemaType::AnyValue => Kind::Any,
            },
            RefOr::T(Schema::Array(_)) => Kind::Array,
            RefOr::T(Schema::OneOf(one_of)) => first(&one_of.items),
            RefOr::T(Schema::AnyOf(any_of)) => first(&any_of.items),
            RefOr::T(Schema::AllOf(all_of)) => first(&all_of.items),
            RefOr::T(_) => Kind::Any,
        }
    }
}

/// Whether a field's schema takes null: `[T, "null"]`, or one of several choices null
/// (`Option` of a named type).
fn takes_null(schema: &RefOr<Schema>) -> bool {
    let is_null = |item: &RefOr<Schema>| matches!(item, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    match schema {
        RefOr::T(Schema::Object(object)) => match &object.schema_type {
            SchemaType::Array(types) => types.contains(&Type::Null),
            SchemaType::Type(Type::Null) => true,
            _ => false,
        },
        RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter().any(is_null),
        RefOr::T(Schema::AnyOf(any_of)) => any_of.items.iter().any(is_null),
        _ => false,
    }
}

/// What a request type's schema says of its top-level fields.
struct Shape {
    fields: Vec<(String, Kind)>,
    /// The fields whose schema takes null.
    nullable: Vec<String>,
    required: Vec<String>,
    /// `additionalProperties: false`: fields it does not name are refused.
    closed: bool,
}

impl Shape {
    fn of<T: ToSchema>() -> Shape {
        let mut named = Vec::new();
        T::schemas(&mut named);
        let RefOr::T(Schema::Object(object)) = T::schema() else {
            // Not an object with fields: nothing to check before serde.
            return Shape {
                fields: Vec::new(),
                nullable: Vec::new(),
                required: Vec::new(),
                closed: false,
            };
        };
        Shape {
            fields: object
                .properties
                .iter()
                .map(|(name, schema)| (name.clone(), Kind::of(schema, &named)))
                .collect(),
            nullable: object
                .properties
                .iter()
                .filter(|(_, schema)| takes_null(schema))
                .map(|(name, _)| name.clone())
                .collect(),
            closed: matches!(
                object.additional_properties.as_deref(),
                Some(AdditionalProperties::FreeForm(false))
            ),
            required: object.required,
        }
    }

    fn nullable(&self, field: &str) -> bool {
        self.nullable.iter().any(|name| name == field)
    }

    fn kind_of(&self, field: &str) -> Option<Kind> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, kind)| *kind)
    }
}

/// The field-level error for serde's refusal at `path`; `absent` lists the required fields
/// the body left out.
fn explain(shape: &Shape, path: &Path, absent: &[&str]) -> AppError {
    let segments: Vec<&Segment> = path.iter().collect();
    match segments.as_slice() {
        // At the top, not inside any field: a field serde needs is absent.
        [] if !absent.is_empty() => AppError::Invalid(
            absent
                .iter()
                .map(|name| (name.to_string(), "is required".to_string()))
                .collect(),
        ),
        [] => AppError::invalid("body", "does not fit this request"),
        [Segment::Map { key }] => {
            let kind = shape.kind_of(key).unwrap_or(Kind::Any);
            AppError::invalid(key, kind.expected())
        }
        // Inside a field (an item of a list, say): named by its whole path.
        _ => AppError::invalid(&path.to_string(), Kind::Any.expected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Kinds {
        count: Option<i64>,
        #[schema(nullable = false)]
        id: i64,
        name: Option<String>,
        tags: Option<Vec<String>>,
        role: Option<crate::domain::Role>,
    }

    #[test]
    fn the_schema_gives_each_field_its_kind() {
        let shape = Shape::of::<Kinds>();
        assert!(shape.closed);
        assert_eq!(shape.required, ["id"]);
        let kind = |field| shape.kind_of(field);
        assert_eq!(kind("count"), Some(Kind::Integer));
        assert_eq!(kind("id"), Some(Kind::Integer));
        assert_eq!(kind("name"), Some(Kind::String));
        assert_eq!(kind("tags"), Some(Kind::Array));
        // A reference to another schema, followed.
        assert_eq!(kind("role"), Some(Kind::String));
        assert_eq!(kind("other"), None);
    }

    #[test]
    fn integers_are_made_ready_for_serde() {
        let check = |value: Value, text_only| {
            let mut value = value;
            whole_number(&mut value, text_only).map(|()| value)
        };
        assert_eq!(check(Value::from(878.0), false), Ok(Value::from(878)));
        assert_eq!(check(Value::from(1.5), false), Err(NOT_WHOLE));
        assert_eq!(check(Value::from(u64::MAX), false), Err(TOO_LARGE));
        assert_eq!(check(Value::from("12"), true), Ok(Value::from(12)));
        assert_eq!(check(Value::from(""), true), Ok(Value::Null));
        assert_eq!(check(Value::from("null"), true), Ok(Value::Null));
        assert_eq!(check(Value::from("1.5"), true), Err(NOT_WHOLE));
        assert_eq!(check(Value::from("12"), false), Err(TEXT_NOT_WHOLE));
        assert_eq!(check(Value::Bool(true), false), Err(NOT_WHOLE));
    }
}
