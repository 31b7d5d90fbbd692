//! Who is calling: tokens, passwords, request guards and the limits on guessing and mail.

pub mod device;
pub mod guards;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod throttle;

pub use guards::{Admin, AuthUser, Bearer, CatalogueAccess, CatalogueReader, Librarian};
