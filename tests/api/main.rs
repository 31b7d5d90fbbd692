//! The integration tests, in one binary: a module per area of the server. Every test starts
//! its own server on its own temporary database (`common::TestApp`, or the real binary as a
//! child process through `common::process`), so they run in parallel threads of this one
//! process and share nothing.

mod common;

mod admin_page;
mod books;
mod cli;
mod copies;
mod crash;
mod demo;
mod import_export;
mod lending;
mod mail;
mod notices;
mod openapi;
mod operations;
mod patrons;
mod reader_page;
mod schema;
mod smoke;
mod users;
