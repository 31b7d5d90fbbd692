//! Uploads as the OpenAPI document describes them: a multipart body holding one file under
//! a fixed field name. The files themselves are read by `input::Multipart`.

use utoipa::ToSchema;

/// A multipart upload with the CSV file in the field `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CsvUpload {
    /// The CSV file; the multipart field must be named `file`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A multipart upload with the picture in the field `image`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    /// A PNG, JPEG, GIF or WebP picture; the multipart field must be named `image`.
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
}

/// The original Flask server's picture upload: the file in the field `propic_new`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PropicUpload {
    /// A PNG, JPEG, GIF or WebP picture, as the multipart field `propic_new`; other fields
    /// are ignored.
    #[schema(value_type = String, format = Binary)]
    propic_new: Vec<u8>,
}
