//! Input rules as types: a value of one of these has passed its rule, and the constructor
//! is the only place that rule is written.

pub mod book;
pub mod calendar;
mod id;
mod isbn;
pub mod item;
mod user;

pub use id::{BookId, HoldId, ItemId, LoanId, UserId};
pub use isbn::Isbn13;
pub use user::{Email, Password, PatronStatus, Pin, Role, Username};
