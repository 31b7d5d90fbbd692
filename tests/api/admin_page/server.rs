//! The real server on a loopback port, for the browser to reach.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::process::free_port;
use crate::common::PASSWORD;
use crate::common::{figment_in, server};
use library_server::config::Settings;
use rocket::figment::providers::Serialized;
use rocket::Shutdown;
use serde_json::{json, Value};
use tempfile::TempDir;

/// The server from `library_server::build`, listening on 127.0.0.1, on its own thread and
/// runtime, with a temporary database and data folder. Shut down when dropped.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) dir: TempDir,
    shutdown: Shutdown,
}

impl Server {
    pub(crate) fn start() -> Server {
        Server::start_in(tempfile::tempdir().expect("temp dir"))
    }

    /// The server on the demo library (`library-server demo`), as a newcomer first sees it.
    pub(crate) fn with_demo() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = crate::common::settings_in(dir.path());
        library_server::cli::demo::demo(&settings, &dir.path().join("library.db"))
            .expect("the demo library");
        Server::start_in(dir)
    }

    fn start_in(dir: TempDir) -> Server {
        let port = free_port();
        let figment = figment_in(dir.path())
            .merge(("address", "127.0.0.1"))
            .merge(("port", port));
        let settings = Settings::load(figment).expect("config");
        let settings = Settings {
            figment: settings
                .figment
                .clone()
                .merge(Serialized::defaults(&settings.config)),
            config: settings.config,
        };
        let rocket = server(settings);

        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let result = rocket::execute(async move {
                let rocket = rocket.ignite().await?;
                let _ = tx.send(rocket.shutdown());
                rocket.launch().await
            });
            if let Err(e) = result {
                eprintln!("server stopped: {e}");
            }
        });
        let shutdown = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server ignited");
        let server = Server {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            shutdown,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.http("GET", "/health", None, None).0 != 200 {
            assert!(
                Instant::now() < deadline,
                "the server did not answer /health"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub(crate) fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    /// A plain HTTP/1.1 exchange, enough to set up data through the API: (status, JSON).
    pub(crate) fn http(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port())) else {
            return (0, Value::Null);
        };
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return (0, Value::Null);
        }
        let mut response = Vec::new();
        if stream.read_to_end(&mut response).is_err() {
            return (0, Value::Null);
        }
        let text = String::from_utf8_lossy(&response);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let json = text
            .split_once("\r\n\r\n")
            .and_then(|(_, b)| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        (status, json)
    }

    /// Registers `name` (`name@example.org`, `PASSWORD`); the first one is the admin.
    pub(crate) fn register(&self, name: &str) -> i64 {
        let (status, body) = self.http(
            "POST",
            "/users/register",
            None,
            Some(json!({"email": format!("{name}@example.org"), "username": name, "password": PASSWORD})),
        );
        assert_eq!(status, 201, "register {name}: {body}");
        body["result"]["id"].as_i64().expect("id")
    }

    pub(crate) fn login(&self, name: &str) -> String {
        let (status, body) = self.http(
            "POST",
            "/users/login",
            None,
            Some(json!({"email": format!("{name}@example.org"), "password": PASSWORD})),
        );
        assert_eq!(status, 200, "login {name}: {body}");
        body["access_token"].as_str().expect("token").to_string()
    }

    pub(crate) fn outbox(&self) -> PathBuf {
        self.dir.path().join("data").join("outbox")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}
