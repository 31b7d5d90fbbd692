//! C: thin route handlers, one file per resource.

pub mod admin;
pub mod assets;
pub mod books;
pub mod calendar;
pub mod compat;
pub mod desk;
pub mod health;
pub mod holds;
pub mod images;
pub mod items;
pub mod library;
pub mod loans;
pub mod notices;
pub mod patrons;
pub mod reader;
pub mod users;

pub fn routes() -> Vec<rocket::Route> {
    [
        admin::routes(),
        books::routes(),
        health::routes(),
        images::routes(),
        users::routes(),
        compat::routes(),
        loans::routes(),
        holds::routes(),
        items::routes(),
        desk::routes(),
        patrons::routes(),
        library::routes(),
        calendar::routes(),
        notices::routes(),
        reader::routes(),
    ]
    .concat()
}
