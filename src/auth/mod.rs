//! Who is calling: tokens, passwords, request guards and the login throttle.

pub mod guards;
pub mod jwt;
pub mod password;
pub mod throttle;

pub use guards::{Admin, AuthUser, Bearer, Librarian};
