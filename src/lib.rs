//! library-server: a self-hosted library server. See README.md.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod controllers;
pub mod db;
pub mod domain;
pub mod error;
pub mod mail;
pub mod media;
pub mod models;
pub mod services;
pub mod views;

pub use app::build;
