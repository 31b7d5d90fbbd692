//! V: what goes over the wire — request bodies, the envelope, and response shapes.

pub mod answers;
pub mod book;
pub mod compat;
pub mod desk;
pub mod envelope;
pub mod input;
pub mod item;
pub mod loan;
pub mod paging;
pub mod patron;
pub mod query;
pub mod upload;
pub mod user;

use serde::{Serialize, Serializer};

/// A Unix timestamp shown in the seed's format, RFC 1123 in GMT:
/// `"Fri, 21 Aug 2020 12:30:06 GMT"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpDate(pub i64);

impl HttpDate {
    pub fn format(seconds: i64) -> String {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds.max(0) as u64);
        httpdate::fmt_http_date(at)
    }
}

impl utoipa::PartialSchema for HttpDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("RFC 1123 date in GMT"))
            .examples(["Fri, 21 Aug 2020 12:30:06 GMT"])
            .into()
    }
}

impl utoipa::ToSchema for HttpDate {}

impl Serialize for HttpDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&HttpDate::format(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_use_the_seed_format() {
        assert_eq!(
            HttpDate::format(1_598_013_006),
            "Fri, 21 Aug 2020 12:30:06 GMT"
        );
    }
}
