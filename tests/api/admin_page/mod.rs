//! The admin page: how it is served (through the usual TestApp), and what a librarian can
//! do with it in a real headless Chromium driven over WebDriver against the real server on
//! a loopback port.
//!
//! The browser tests need `/usr/bin/chromium` and `/usr/bin/chromedriver` (or the paths in
//! `LIBRARY_TEST_CHROMIUM` and `LIBRARY_TEST_CHROMEDRIVER`). When they are missing, a root
//! user gets them once from `.ci/install-browser.sh`; otherwise each browser test says
//! loudly that it was skipped and why, except under CI (`CI=true`), where they are required
//! and fail. Set `ADMIN_SCREENSHOTS=<folder>` to have them save screenshots of the page at
//! desktop and phone width, and `README_SCREENSHOTS=1` to have them write the pictures the
//! README shows (`docs/screenshots/`).

pub(crate) mod accounts;
pub(crate) mod browser;
mod copies;
mod desk;
mod lending;
mod notices;
mod patrons;
pub(crate) mod server;
mod serving;
