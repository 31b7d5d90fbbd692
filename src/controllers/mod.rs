//! C: thin route handlers, one file per resource.

pub mod admin;
pub mod health;
pub mod images;
pub mod users;

pub fn routes() -> Vec<rocket::Route> {
    [
        admin::routes(),
        health::routes(),
        images::routes(),
        users::routes(),
    ]
    .concat()
}
