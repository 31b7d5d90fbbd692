//! The floor bench/run.sh measures library-server against: a bare Rocket 0.5 server that
//! answers `GET /books/<id>` with one fixed book in the same envelope library-server sends,
//! with no database, no authentication, no fairings and no logging. Whatever library-server
//! takes beyond this is its own cost.
//!
//! Usage: floor <port> (listens on 127.0.0.1).

use rocket::http::ContentType;
use rocket::{get, routes, Config};

const BOOK: &str = r#"{"message":"GET BOOK","result":{"id":1,"title":"The Garden Path","subtitle":null,"author":"Ann Author","isbn":"9780306406157","published_year":1998,"description":"A book the floor server answers with, always the same.","tags":["garden","path"],"language":"en","publisher":"Example Press","series":null,"copies":2,"available":1,"cover_url":null,"created_at":"2026-12-01T00:00:00Z","modified_at":"2026-12-01T00:00:00Z"},"status":200}"#;

#[get("/books/<_id>")]
fn book(_id: i64) -> (ContentType, &'static str) {
    (ContentType::JSON, BOOK)
}

#[rocket::main]
async fn main() -> Result<(), Box<rocket::Error>> {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8001);
    let config = Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port,
        log_level: rocket::config::LogLevel::Off,
        ..Config::release_default()
    };
    rocket::custom(config)
        .mount("/", routes![book])
        .launch()
        .await?;
    Ok(())
}
