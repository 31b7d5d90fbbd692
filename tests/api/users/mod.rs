//! The users API, driven like a client would: register, log in, look up, change, upload,
//! delete — and every way a request can be wrong.

mod accounts;
mod compat;
mod login;
mod pictures;
mod register;
mod reset;
mod responses;
mod throttle;

use crate::common;
use crate::common::{Part, Payload, TestApp};
use rocket::http::Method;

fn count_users(app: &TestApp) -> i64 {
    app.sql()
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap()
}

// ---------------------------------------------------------------- pictures

fn upload(app: &TestApp, id: i64, token: &str, parts: Vec<Part>) -> common::Reply {
    app.send(
        Method::Put,
        &format!("/users/{id}/image"),
        Some(token),
        Payload::Multipart(parts),
    )
}

fn stored_pictures(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir().join("images/profile");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---------------------------------------------------------------- password reset

fn outbox(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir().join("outbox");
    std::fs::read_dir(dir)
        .map(|entries| {
            // Only finished mails: the server writes `<name>.part` and renames it.
            entries
                .map(|e| e.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                .map(|path| std::fs::read_to_string(path).unwrap())
                .collect()
        })
        .unwrap_or_default()
}
