//! The OpenAPI schemas of the book object and the book bodies, built from `FIELDS` so
//! that each limit the document states is the constant the field's rule applies.

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::{BookPatch, BookRequest, BookView};
use crate::domain::book::{self, Field, Kind, FIELDS};
use crate::views::HttpDate;

fn one_of(types: &[Type]) -> SchemaType {
    types.iter().cloned().collect()
}

fn int64() -> Option<SchemaFormat> {
    Some(SchemaFormat::KnownFormat(KnownFormat::Int64))
}

impl utoipa::PartialSchema for BookView {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new().property(
            "id",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(int64()),
        );
        let mut required = vec!["id"];
        for field in FIELDS {
            let optional = field.optional();
            if !optional {
                required.push(field.name);
            }
            let nullable = |t: Type| {
                if optional {
                    one_of(&[t, Type::Null])
                } else {
                    t.into()
                }
            };
            let schema: Schema = match field.kind {
                Kind::Text { .. } | Kind::Isbn => ObjectBuilder::new()
                    .schema_type(nullable(Type::String))
                    .into(),
                Kind::Number { .. } => ObjectBuilder::new()
                    .schema_type(nullable(Type::Integer))
                    .format(int64())
                    .into(),
                Kind::Tags => ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::String))
                    .into(),
            };
            object = object.property(field.name, schema);
        }
        required.extend(["available", "created_at", "modified_at"]);
        object = object
            .property(
                "available",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(int64()),
            )
            .property(
                "cover_file",
                ObjectBuilder::new().schema_type(one_of(&[Type::String, Type::Null])),
            )
            .property("created_at", Ref::from_schema_name(HttpDate::name()))
            .property("modified_at", Ref::from_schema_name(HttpDate::name()))
            .property(
                "shelves",
                ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some(
                        "In a listing only: the shelves (locations) of the copies free now",
                    )),
            );
        for name in required {
            object = object.required(name);
        }
        object.into()
    }
}

impl ToSchema for BookView {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((HttpDate::name().into(), HttpDate::schema()));
    }
}

// Text patterns in the schemas below state the server's rules: no control characters
// (line breaks and tabs aside), and for required text at least one non-space character.
const TEXT: &str = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$";
const REQUIRED_TEXT: &str = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$";
/// A tag: no control characters, no comma (forms and CSV separate tags with commas).
const TAG: &str = r"^[^,\x00-\x08\x0B-\x1F\x7F-\x9F]*$";

/// One tag, as the schema states it: at most 50 characters, no comma, no control character.
pub struct Tag;

impl utoipa::PartialSchema for Tag {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(book::MAX_TAG))
            .pattern(Some(TAG))
            .into()
    }
}

impl ToSchema for Tag {}

/// Whether the schema describes a new book or a change to one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    Create,
    Change,
}

/// A field's schema in a request body, its limits read from the field's rule.
fn input_schema(field: &Field, body: Body) -> Schema {
    let mut doc = field
        .doc
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n");
    let doc_line = |doc: &mut String, line: String| {
        if !doc.is_empty() {
            doc.push('\n');
        }
        doc.push_str(&line);
    };
    let schema: Schema = match field.kind {
        Kind::Text {
            max,
            required: true,
        } => ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(max))
            .min_length(Some(1))
            .pattern(Some(REQUIRED_TEXT))
            .into(),
        Kind::Text {
            max,
            required: false,
        } => ObjectBuilder::new()
            .schema_type(one_of(&[Type::String, Type::Null]))
            .max_length(Some(max))
            .pattern(Some(TEXT))
            .into(),
        Kind::Isbn => ObjectBuilder::new()
            .schema_type(one_of(&[Type::String, Type::Null]))
            .format(Some(SchemaFormat::Custom("isbn".into())))
            .max_length(Some(book::MAX_ISBN_TEXT))
            .into(),
        Kind::Number {
            min, max, default, ..
        } => {
            match (default, body) {
                (Some(default), Body::Create) => {
                    doc_line(&mut doc, format!("Default {default} (also when null)."))
                }
                (Some(_), Body::Change) => doc_line(&mut doc, "Null: unchanged.".into()),
                (None, _) => {}
            }
            ObjectBuilder::new()
                .schema_type(one_of(&[Type::Integer, Type::Null]))
                .format(int64())
                .maximum(Some(max))
                .minimum(Some(min))
                .into()
        }
        Kind::Tags => ArrayBuilder::new()
            .schema_type(one_of(&[Type::Array, Type::Null]))
            .items(Ref::from_schema_name(Tag::name()))
            .max_items(Some(book::MAX_TAGS))
            .into(),
    };
    match schema {
        Schema::Object(mut object) if !doc.is_empty() => {
            object.description = Some(doc);
            object.into()
        }
        Schema::Array(mut array) if !doc.is_empty() => {
            array.description = Some(doc);
            array.into()
        }
        schema => schema,
    }
}

fn body_schema(body: Body, description: &str) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new().description(Some(description));
    for field in FIELDS {
        if body == Body::Create && matches!(field.kind, Kind::Text { required: true, .. }) {
            object = object.required(field.name);
        }
        object = object.property(field.name, input_schema(field, body));
    }
    object = object.additional_properties(Some(AdditionalProperties::FreeForm(false)));
    if body == Body::Change {
        object = object.min_properties(Some(1));
    }
    object.into()
}

impl utoipa::PartialSchema for BookRequest {
    fn schema() -> RefOr<Schema> {
        body_schema(Body::Create, "POST /books.")
    }
}

impl ToSchema for BookRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Tag::name().into(), Tag::schema()));
    }
}

impl utoipa::PartialSchema for BookPatch {
    fn schema() -> RefOr<Schema> {
        body_schema(
            Body::Change,
            "PATCH /books/{id}: absent fields stay; null (or blank text) clears an optional one.\n\
             At least one field must be named; `copies` not below the copies now on loan (409).",
        )
    }
}

impl ToSchema for BookPatch {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Tag::name().into(), Tag::schema()));
    }
}
