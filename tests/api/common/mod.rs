//! TestApp: the real server (the same `build` main uses) on a fresh temporary database and
//! data folder, driven through Rocket's local client. One per test; nothing is shared.
//! `TestApp::new`/`with`/`with_figment` are the one way a test gets a server in-process;
//! `process::Server` is the one way it runs the real binary.

pub mod process;
pub mod smtp;

use std::path::{Path, PathBuf};

use library_server::config::{Config, Settings};
use library_server::db::Db;
use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Method};
use rocket::local::blocking::Client;
use rocket::{Build, Rocket};
use serde_json::{json, Value};
use tempfile::TempDir;

pub struct TestApp {
    pub client: Client,
    pub dir: TempDir,
}

/// What came back: status, headers of interest and the body (parsed when JSON).
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `result` of a success envelope.
    pub fn result(&self) -> &Value {
        &self.body["result"]
    }

    /// Asserts the status and that the body is the envelope for it.
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.body["status"],
            json!(status),
            "envelope status; body: {}",
            self.body
        );
        assert!(
            self.body["message"].is_string(),
            "envelope message; body: {}",
            self.body
        );
        self
    }

    /// Asserts an error envelope with `errors` naming `field`.
    pub fn expect_field_error(self, status: u16, field: &str) -> Reply {
        let reply = self.expect(status);
        assert!(
            reply.body["errors"][field].is_string(),
            "expected an error for {field:?}; body: {}",
            reply.body
        );
        reply
    }
}

pub enum Payload {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Multipart(Vec<Part>),
    Raw(ContentType, Vec<u8>),
}

pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

impl Part {
    pub fn text(name: &str, value: &str) -> Part {
        Part {
            name: name.into(),
            file_name: None,
            bytes: value.as_bytes().to_vec(),
        }
    }

    pub fn file(name: &str, file_name: &str, bytes: Vec<u8>) -> Part {
        Part {
            name: name.into(),
            file_name: Some(file_name.into()),
            bytes,
        }
    }
}

const BOUNDARY: &str = "----library-server-test-boundary";

/// The Content-Type that goes with `multipart_body`.
pub fn multipart_type() -> ContentType {
    ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY))
}

pub fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match &part.file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n",
                    part.name, file
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(&part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub const PASSWORD: &str = "correct-horse";

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(|config| config)
    }

    /// A server whose configuration `tweak` may change (the database and data folder are
    /// always this test's own).
    pub fn with(tweak: impl FnOnce(Config) -> Config) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::load(figment_in(dir.path())).expect("config");
        settings.config = tweak(settings.config);
        let settings = Settings {
            figment: settings
                .figment
                .clone()
                .merge(Serialized::defaults(&settings.config)),
            config: settings.config,
        };
        TestApp::serve(dir, settings)
    }

    /// A server whose figment `tweak` may change, Rocket's own keys included.
    pub fn with_figment(tweak: impl FnOnce(Figment) -> Figment) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings::load(tweak(figment_in(dir.path()))).expect("config");
        TestApp::serve(dir, settings)
    }

    fn serve(dir: TempDir, settings: Settings) -> TestApp {
        let client = Client::tracked(server(settings)).expect("client");
        TestApp { client, dir }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("library.db")
    }

    /// A raw connection to this test's database, for checking what was stored.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).expect("open db")
    }

    pub fn send(&self, method: Method, path: &str, token: Option<&str>, payload: Payload) -> Reply {
        let bearer = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = bearer
            .as_deref()
            .map(|value| ("Authorization", value))
            .into_iter()
            .collect();
        self.send_with(method, path, &headers, payload)
    }

    /// `send` with these request headers (the original clients' `access_token`, CORS's
    /// `Origin`) instead of a Bearer token.
    pub fn send_with(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        payload: Payload,
    ) -> Reply {
        let mut request = self.client.req(method, path.to_string());
        for (name, value) in headers {
            request = request.header(Header::new(name.to_string(), value.to_string()));
        }
        request = match payload {
            Payload::None => request,
            Payload::Json(value) => request.header(ContentType::JSON).body(value.to_string()),
            Payload::Form(pairs) => request
                .header(ContentType::Form)
                .body(serde_urlencoded::to_string(&pairs).expect("form")),
            Payload::Multipart(parts) => request
                .header(multipart_type())
                .body(multipart_body(&parts)),
            Payload::Raw(ct, bytes) => request.header(ct).body(bytes),
        };
        let response = request.dispatch();
        let status = response.status().code;
        let content_type = response.content_type().map(|ct| ct.to_string());
        let headers = response
            .headers()
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect();
        let bytes = response.into_bytes().unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            bytes,
            content_type,
            headers,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::Get, path, token, Payload::None)
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::Delete, path, token, Payload::None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::Post, path, token, Payload::Json(body))
    }

    pub fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::Patch, path, token, Payload::Json(body))
    }

    pub fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::Put, path, token, Payload::Json(body))
    }

    /// Registers `name` (e-mail `name@example.org`, password `PASSWORD`); returns the user.
    /// The first user of a test's database is its admin.
    pub fn register(&self, name: &str) -> Value {
        let reply = self.post(
            "/users/register",
            None,
            json!({"email": format!("{name}@example.org"), "username": name, "password": PASSWORD}),
        );
        reply.expect(201).body["result"].clone()
    }

    pub fn login(&self, name: &str) -> String {
        let reply = self.post(
            "/users/login",
            None,
            json!({"email": format!("{name}@example.org"), "password": PASSWORD}),
        );
        let reply = reply.expect(200);
        reply.body["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Registers and logs in `name`: (id, token).
    pub fn user(&self, name: &str) -> (i64, String) {
        let user = self.register(name);
        (user["id"].as_i64().expect("id"), self.login(name))
    }

    /// The admin, who must be the first user registered in the test.
    pub fn admin(&self) -> (i64, String) {
        let (id, token) = self.user("admin");
        let me = self.get("/users/me", Some(&token)).expect(200);
        assert_eq!(
            me.result()["role"],
            "admin",
            "admin() must be the first user"
        );
        (id, token)
    }

    /// A user with the librarian role (an admin must exist: pass its token).
    pub fn librarian(&self, name: &str, admin_token: &str) -> (i64, String) {
        let (id, _) = self.user(name);
        self.patch(
            &format!("/users/{id}/role"),
            Some(admin_token),
            json!({"role": "librarian"}),
        )
        .expect(200);
        (id, self.login(name))
    }
}

/// What every test server is configured from: its database and data folder in `dir`, a
/// fast bcrypt, no log.
pub fn figment_in(dir: &Path) -> Figment {
    Config::figment()
        .merge(("database", dir.join("library.db")))
        .merge(("data_dir", dir.join("data")))
        .merge(("bcrypt_cost", 4))
        .merge(("log_level", "off"))
        // Notices and backups run when a test asks (POST /notices/run), not at a moment
        // that depends on the hour the test runs.
        .merge(("scheduler", false))
}

/// Settings from `figment_in(dir)` alone: for a second server on a test's own database.
pub fn settings_in(dir: &Path) -> Settings {
    Settings::load(figment_in(dir)).expect("config")
}

/// The server main builds, on `settings`' database, opened and migrated.
pub fn server(settings: Settings) -> Rocket<Build> {
    let db = Db::open(&settings.config.database).expect("database");
    library_server::build(settings, db).expect("build")
}

/// A small valid PNG of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode png");
    bytes
}

/// A small valid JPEG of the given size.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([30, 30, 200]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .expect("encode jpeg");
    bytes
}

/// Undoes quoted-printable: soft line breaks (`=` at a line end) and `=XX` escapes.
pub fn quoted_printable_decode(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
