//! Typed ids, one per table, so that a function wanting a book's id cannot be handed a
//! user's: the mix-up is a compile error instead of a wrong row.
//!
//! Each is a plain integer wherever it leaves Rust — on the wire (serde transparent), in
//! SQLite (`ToSql`/`FromSql`), in a path segment (`FromParam`) and in text (`Display`) —
//! so typing them changes nothing a client or the database sees.
//!
//! They deliberately do not implement utoipa's `ToSchema`: a response field typed
//! `BookId` must say `#[schema(value_type = i64)]`, and forgetting it fails to compile,
//! where a `ToSchema` impl would silently turn the field into a `$ref` to a new component
//! and change the OpenAPI document. Likewise a route taking one in its path lists it as
//! `params(("id" = i64, Path))`: utoipa reads a bare `i64` argument by itself but leaves
//! any other type out of the document (`every_path_segment_is_a_documented_parameter` in
//! the OpenAPI tests catches a route that forgets).
//!
//! ```
//! use library_server::domain::BookId;
//! fn wants_a_book(_: BookId) {}
//! wants_a_book(BookId::new(7));
//! ```
//!
//! ```compile_fail,E0308
//! use library_server::domain::{BookId, UserId};
//! fn wants_a_book(_: BookId) {}
//! wants_a_book(UserId::new(7));
//! ```

use std::fmt;

use rocket::request::FromParam;
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id: one read from the database, a query string or a file.
            pub const fn new(raw: i64) -> Self {
                $name(raw)
            }

            /// The raw integer, for arithmetic and messages that need one.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }

        /// Exactly `i64`'s rule: a segment that is no integer forwards to the next route
        /// (in the end a 404), and any integer, 0 and negatives too, reaches the handler,
        /// which answers for it as it did when the parameter was an `i64`.
        impl From<$name> for serde_json::Value {
            fn from(id: $name) -> serde_json::Value {
                id.0.into()
            }
        }

        impl<'a> FromParam<'a> for $name {
            type Error = <i64 as FromParam<'a>>::Error;

            fn from_param(param: &'a str) -> Result<Self, Self::Error> {
                i64::from_param(param).map($name)
            }
        }
    )*};
}

ids! {
    /// A row of `users`.
    UserId;
    /// A row of `books` (a title in the catalogue, not a copy on the shelf).
    BookId;
    /// A physical copy of a book. Its table comes with the copies/barcodes issue; the type
    /// is declared now so the ids stay one family.
    ItemId;
    /// A row of `loans`.
    LoanId;
    /// A row of `holds`.
    HoldId;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn round_trips_through_sqlite_as_a_plain_integer() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER)").unwrap();
        conn.execute("INSERT INTO t (id) VALUES (?1)", [BookId::new(42)])
            .unwrap();
        let raw: i64 = conn
            .query_row("SELECT id FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(raw, 42);
        let typed: BookId = conn
            .query_row("SELECT id FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(typed, BookId::new(42));
        let as_user: UserId = conn
            .query_row("SELECT id FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(as_user.get(), 42);
        let text: rusqlite::Result<LoanId> = conn.query_row("SELECT 'x'", [], |r| r.get(0));
        assert!(text.is_err(), "text is not an id");
    }

    #[test]
    fn is_a_plain_integer_on_the_wire_and_in_text() {
        assert_eq!(serde_json::to_string(&HoldId::new(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<UserId>("7").unwrap(), UserId::new(7));
        assert!(serde_json::from_str::<UserId>("\"7\"").is_err());
        assert_eq!(ItemId::new(-3).to_string(), "-3");
    }

    #[test]
    fn a_path_segment_parses_as_i64_does() {
        assert_eq!(BookId::from_param("12"), Ok(BookId::new(12)));
        assert_eq!(BookId::from_param("0"), Ok(BookId::new(0)));
        assert_eq!(BookId::from_param("-1"), Ok(BookId::new(-1)));
        assert!(BookId::from_param("abc").is_err());
        assert!(BookId::from_param("me").is_err());
        assert!(BookId::from_param("99999999999999999999").is_err());
    }
}
