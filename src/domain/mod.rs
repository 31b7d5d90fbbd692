//! Input rules as types: a value of one of these has passed its rule, and the constructor
//! is the only place that rule is written.

mod user;

pub use user::{Email, Password, Role, Username};
