//! C: thin route handlers, one file per resource.

pub mod books;
pub mod health;
pub mod images;
pub mod users;

pub fn routes() -> Vec<rocket::Route> {
    [
        books::routes(),
        health::routes(),
        images::routes(),
        users::routes(),
    ]
    .concat()
}
