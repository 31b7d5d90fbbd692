//! Headless Chromium over WebDriver: found or installed once, one per test.

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::server::Server;
use crate::common::process::free_port;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tempfile::TempDir;

// ---- the browser ------------------------------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub(crate) fn chromium() -> PathBuf {
    std::env::var_os("LIBRARY_TEST_CHROMIUM").map_or_else(|| CHROMIUM.into(), PathBuf::from)
}

pub(crate) fn chromedriver() -> PathBuf {
    std::env::var_os("LIBRARY_TEST_CHROMEDRIVER").map_or_else(|| CHROMEDRIVER.into(), PathBuf::from)
}

/// Whether the browser tests can run here. A missing browser is installed once (as root,
/// at the default paths); when it still cannot be had, CI fails, anywhere else the test is
/// skipped, saying so where the person running `cargo test` sees it (the harness captures
/// `eprintln!`, not a write to the stderr handle itself).
pub(crate) fn browser_ready() -> bool {
    static FOUND: OnceLock<Result<(), String>> = OnceLock::new();
    let why = match FOUND.get_or_init(find_or_install_browser) {
        Ok(()) => return true,
        Err(why) => why,
    };
    let ci = matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"));
    assert!(!ci, "{why} (CI=true: the browser tests are required here)");
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED a browser test of the admin page: {why} ***\n"
    );
    false
}

fn find_or_install_browser() -> Result<(), String> {
    let missing = || -> Vec<PathBuf> {
        [chromium(), chromedriver()]
            .into_iter()
            .filter(|path| !path.exists())
            .collect()
    };
    let chosen_elsewhere = std::env::var_os("LIBRARY_TEST_CHROMIUM").is_some()
        || std::env::var_os("LIBRARY_TEST_CHROMEDRIVER").is_some();
    if !missing().is_empty() && !chosen_elsewhere && running_as_root() {
        let _ = writeln!(
            std::io::stderr(),
            "Chromium is missing: installing it once with .ci/install-browser.sh"
        );
        let installed = Command::new("bash")
            .arg(".ci/install-browser.sh")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status();
        if !installed.is_ok_and(|status| status.success()) {
            let _ = writeln!(std::io::stderr(), ".ci/install-browser.sh failed");
        }
    }
    let missing = missing();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "{} missing: these tests need Chromium and its WebDriver; install them with \
         `bash .ci/install-browser.sh` (Debian's chromium and chromium-driver, as root or \
         with sudo)",
        names.join(" and ")
    ))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// chromedriver as a child process in a process group of its own, which the Chromium it
/// starts joins. Dropping it kills the whole group: killing chromedriver alone would leave
/// Chromium running whenever a test fails before it closes its session.
struct Driver {
    child: Child,
    pub(crate) port: u16,
    _profile: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Browser {
    pub(crate) client: Client,
    pub(crate) base: String,
    // Dropped after `client` is closed: kills chromedriver (and so Chromium).
    _driver: Driver,
}

pub(crate) async fn open_browser(server: &Server) -> Browser {
    let port = free_port();
    let profile = tempfile::tempdir().expect("profile dir");
    let child = Command::new(chromedriver())
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        port,
        _profile: profile,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", driver.port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening"
        );
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium(), "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with headless Chromium");
    Browser {
        client,
        base: server.base.clone(),
        _driver: driver,
    }
}

const WAIT: Duration = Duration::from_secs(10);

impl Browser {
    pub(crate) async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("open page");
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("body[data-ready]"))
            .await
            .expect("the page's script ran");
    }

    pub(crate) async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Clicks, trying again while a list that is being redrawn swaps the element out.
    pub(crate) async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let result = self.find(css).await.click().await;
            match result {
                Ok(_) => return,
                Err(e) if Instant::now() >= deadline => panic!("cannot click {css}: {e}"),
                Err(_) => rocket::tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Waits until the element's visible text contains every needle; returns the text.
    pub(crate) async fn text_contains(&self, css: &str, needles: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            if let Ok(found) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = found.text().await {
                    if needles.iter().all(|n| text.contains(n)) {
                        return text;
                    }
                    last = text;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {needles:?}; last text: {last:?}"
            );
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until exactly `n` elements match (lists reload asynchronously).
    pub(crate) async fn count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self
                .client
                .find_all(Locator::Css(css))
                .await
                .map(|all| all.len())
                .unwrap_or(0);
            if found == n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css}: {found} elements, never {n}"
            );
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn message(&self, kind: &str, needles: &[&str]) -> String {
        self.text_contains(&format!("#message[data-kind=\"{kind}\"]"), needles)
            .await
    }

    pub(crate) async fn view(&self, name: &str) {
        self.find(&format!("body[data-view=\"{name}\"]")).await;
    }

    pub(crate) async fn login(&self, email: &str, password: &str) {
        self.fill("#login-email", email).await;
        self.fill("#login-password", password).await;
        self.click("#login-submit").await;
    }

    pub(crate) async fn no_policy_violations(&self) {
        let seen = self
            .client
            .execute("return document.body.dataset.cspViolations || '0';", vec![])
            .await
            .expect("run script");
        assert_eq!(seen, json!("0"), "the page broke its own CSP");
    }

    /// Saves a screenshot when ADMIN_SCREENSHOTS names a folder.
    pub(crate) async fn screenshot(&self, name: &str) {
        let Some(folder) = std::env::var_os("ADMIN_SCREENSHOTS") else {
            return;
        };
        let png = self.client.screenshot().await.expect("screenshot");
        let path = PathBuf::from(folder).join(format!("admin-{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
    }

    /// Writes `docs/screenshots/{name}.png`, a picture the README shows, when
    /// README_SCREENSHOTS is set: `README_SCREENSHOTS=1 CI=true cargo test --test api
    /// admin_page` makes them all again. Off by default, so a test run leaves the tree as
    /// it was (the pictures show today's dates).
    pub(crate) async fn readme_screenshot(&self, name: &str) {
        if std::env::var_os("README_SCREENSHOTS").is_none() {
            return;
        }
        let png = self.client.screenshot().await.expect("screenshot");
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&folder).expect("make docs/screenshots");
        std::fs::write(folder.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub(crate) async fn set_width(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize window");
    }

    pub(crate) async fn close(self) {
        let Browser {
            client, _driver, ..
        } = self;
        let _ = client.close().await;
        drop(_driver);
    }
}

/// Runs an async browser test on a runtime of its own (the server has another).
pub(crate) fn run<F: std::future::Future<Output = ()>>(test: F) {
    rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(test);
}
